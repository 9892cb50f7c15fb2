package io.edgeauth.broker.token;

import io.edgeauth.broker.refusal.TokenRejectedException;

/**
 * Verifies a presented token (JWT compact ASCII or CWT bytes, detected from the bytes) and returns
 * its claims. Checks size, structure, algorithm allowlist, key by issuer and kid, signature and the
 * time window; revocation, tenant, binding and geo are checked later by the authentication pipeline.
 * Implementations are thread-safe and never block on I/O.
 */
public interface TokenVerifier {
    VerifiedToken verify(byte[] token) throws TokenRejectedException;
}
