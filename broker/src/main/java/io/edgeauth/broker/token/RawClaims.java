package io.edgeauth.broker.token;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Claims as decoded from a JWT or CWT, before validation. The two decoders fill this one shape so
 * that {@link ClaimsValidator} treats both encodings identically. Immutable.
 *
 * @param fleetCa {@code fleet_ca}: the fleet CA that provisioned the device the token was issued to, or null
 */
record RawClaims(String issuer, String subject, List<String> audience, Instant expiresAt, Instant notBefore,
                 Instant issuedAt, String tokenId, String tenantId, Set<String> scope, List<String> geo,
                 String region, Confirmation cnf, String actor, String owner, List<String> parentTokenIds,
                 String fleetCa) {
}
