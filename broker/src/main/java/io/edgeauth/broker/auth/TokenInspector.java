package io.edgeauth.broker.auth;

import io.edgeauth.broker.refusal.TokenRejectedException;

/**
 * Judges a token that a caller presents <em>about</em> someone (the token an introspection, a revocation or a
 * token exchange names), with the same chain as {@link AuthPipeline} except what belongs to the presenter: the
 * transport binding ({@code cnf} against the caller's channel) and the connection-attempt budget. The answer is
 * the session the token would give its holder, so "in force" means the same thing on every path: verified, not
 * revoked, trusted for its tenant, its principal still registered and allowed. Not audited as an authentication.
 */
@FunctionalInterface
public interface TokenInspector {
    /** The session the token stands for, or why it is not in force. */
    DeviceSession inspect(byte[] token) throws TokenRejectedException;
}
