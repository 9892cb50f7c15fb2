/**
 * Implementation details of {@code io.edgeauth.geo}: bit twiddling, the base-32 alphabet, spherical
 * geometry and argument checks. Not a public API; may change without notice.
 */
package io.edgeauth.geo.internal;
