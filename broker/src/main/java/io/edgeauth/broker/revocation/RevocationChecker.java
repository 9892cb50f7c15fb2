package io.edgeauth.broker.revocation;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.token.VerifiedToken;
import java.util.Optional;

/**
 * Answers whether a verified token is revoked: by its {@code jti} or one it was exchanged from
 * ({@code parent_jti}), by its subject or its actor ({@code act}), or by the key that signed it. Must be fast (in-memory) and
 * thread-safe: it runs on every authentication, including verified-token cache hits.
 */
public interface RevocationChecker {
    /** {@link RejectionReason#REVOKED} or {@link RejectionReason#KEY_REVOKED}, or empty if in force. */
    Optional<RejectionReason> check(VerifiedToken token);

    RevocationChecker NONE = token -> Optional.empty();
}
