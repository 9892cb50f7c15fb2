package io.edgeauth.broker.token;

import io.edgeauth.broker.crypto.TokenAlgorithm;

/**
 * A client assertion (RFC 7523) read once: header and claims decoded, nothing verified yet. The enrollment front chooses how to verify it from what it names ({@code alg}, {@code kid},
 * {@code x5c}, {@code iss}) and hands this same form to {@link ClientAssertionVerifier}, so a token request reads
 * its assertion's JSON once. Immutable; made by {@link ClientAssertionVerifier#decode}.
 */
public final class DecodedAssertion {
    private final DecodedToken token;
    private final Object x5c;

    DecodedAssertion(DecodedToken token, Object x5c) {
        this.token = token;
        this.x5c = x5c;
    }

    /** The header's {@code alg}: a known algorithm, never {@code none}. */
    public TokenAlgorithm algorithm() {
        return token.algorithm();
    }

    /** The header's {@code kid}, null if absent or empty. */
    public String kid() {
        return token.kid();
    }

    /** The claimed client id ({@code iss}; null if absent); unproven until verified. */
    public String issuer() {
        return token.claims().issuer();
    }

    /** The claimed {@code sub} (null if absent); unproven until verified, which also requires it to equal {@code iss}. */
    public String subject() {
        return token.claims().subject();
    }

    /**
     * The header's {@code x5c} as the JSON parser read it (a list of strings when well formed), null when absent.
     * Not checked here: the caller validates its shape and the chain.
     */
    public Object x5c() {
        return x5c;
    }

    DecodedToken token() {
        return token;
    }
}
