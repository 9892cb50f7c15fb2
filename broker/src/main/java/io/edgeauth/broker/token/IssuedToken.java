package io.edgeauth.broker.token;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Set;

/**
 * A token the broker issued. Immutable (the byte array is copied on the way out).
 *
 * @param format    JWT, CWT or their encrypted forms
 * @param bytes     JWT/JWE: compact ASCII; CWT: raw COSE_Sign1 (or COSE_Encrypt0) bytes
 * @param kid       key that signed it
 * @param tokenId   {@code jti}/{@code cti}
 * @param issuedAt  {@code iat} (= {@code nbf})
 * @param expiresAt {@code exp}
 * @param scope     the granted {@code scope} (empty if none), for the token response
 */
public record IssuedToken(TokenFormat format, byte[] bytes, String kid, String tokenId, Instant issuedAt,
                          Instant expiresAt, Set<String> scope) {
    public IssuedToken {
        bytes = bytes.clone();
        scope = scope == null ? Set.of() : java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(scope));
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /** For {@code access_token}: the JWT or JWE itself, or the CWT base64url-encoded without padding. */
    public String asText() {
        return !format.cbor()
                ? new String(bytes, StandardCharsets.US_ASCII)
                : Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** For {@code expires_in}. */
    public long expiresInSeconds() {
        return expiresAt.getEpochSecond() - issuedAt.getEpochSecond();
    }

    @Override
    public String toString() { // never the token itself
        return "IssuedToken[" + format + ", kid=" + kid + ", jti=" + tokenId + ", exp=" + expiresAt + "]";
    }
}
