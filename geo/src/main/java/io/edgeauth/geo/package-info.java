/**
 * GeoHash cells for the edgeauth broker's region claims: {@link io.edgeauth.geo.GeoHash} (encode,
 * decode, neighbours, parent/children, overlap), {@link io.edgeauth.geo.Covers} (cover a circle,
 * box or polygon with cells) and {@link io.edgeauth.geo.RegionSet} (prefix-trie set of cells).
 * All types are immutable or stateless and safe to share between threads. Invalid input is refused
 * with {@link java.lang.IllegalArgumentException}.
 */
package io.edgeauth.geo;
