package io.edgeauth.broker.token;

import io.edgeauth.broker.keys.VerificationKey;
import io.edgeauth.broker.refusal.TokenRejectedException;

/**
 * Verifies a presented token (JWT compact ASCII or CWT bytes, detected from the bytes) and returns
 * its claims. Checks size, structure, algorithm allowlist, key by issuer and kid, signature and the
 * time window; revocation, tenant, binding and geo are checked later by the authentication pipeline.
 * Implementations are thread-safe and never block on I/O.
 */
public interface TokenVerifier {
    VerifiedToken verify(byte[] token) throws TokenRejectedException;

    /**
     * As {@link #verify}, for a token whose exact bytes this broker saw verify with {@code key} before (a verification
     * remembered across a restart): an implementation may skip the signature check, and only it, while the key the
     * token names is still {@code key}. The default checks everything.
     */
    default VerifiedToken verifyKnownSignature(byte[] token, VerificationKey key) throws TokenRejectedException {
        return verify(token);
    }
}
