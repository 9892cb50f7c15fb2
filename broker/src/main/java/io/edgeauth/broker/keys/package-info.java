/**
 * Signing and verification keys: the per-tenant signing key store (generation, persistence, rotation,
 * JWKS export), per-tenant HS256 secrets, trusted outside issuers (JWKS from a file or an https URL,
 * refreshed in the background) and the {@link io.edgeauth.broker.keys.KeyResolver} lookup used by
 * token verification. Keys are never taken from a token.
 */
package io.edgeauth.broker.keys;
