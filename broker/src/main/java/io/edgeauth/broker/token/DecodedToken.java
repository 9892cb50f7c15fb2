package io.edgeauth.broker.token;

import io.edgeauth.broker.crypto.TokenAlgorithm;

/**
 * A structurally valid token whose signature has not been checked yet: what was signed
 * ({@code signed[0, signedLength)}), the signature, the named algorithm and kid, and the claims.
 */
record DecodedToken(TokenFormat format, TokenAlgorithm algorithm, String kid, byte[] signed, int signedLength,
                    byte[] signature, RawClaims claims) {
    /** The same token as it arrived in {@code outer} (its encrypted form). */
    DecodedToken as(TokenFormat outer) {
        return new DecodedToken(outer, algorithm, kid, signed, signedLength, signature, claims);
    }
}
