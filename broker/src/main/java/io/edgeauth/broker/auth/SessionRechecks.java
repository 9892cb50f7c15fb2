package io.edgeauth.broker.auth;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.revocation.RevocationChecker;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The one judgement of a <em>live</em> session after something changed, used by every edge (MQTT connections,
 * CoAP bindings and Observe relations, delayed wills), so "may this session go on" is decided in one place:
 * <ul>
 * <li>{@link #endReason}: on a revocation event (by {@code jti}, subject, signing key, or a device-record change,
 *     which revokes the subject) and whenever an edge acts for a session later (a delayed will): expired on the
 *     shared clock, or revoked;</li>
 * <li>{@link #renewalRefusal}: whether a renewed session (MQTT 5 AUTH, {@code $auth/renew}) may replace the live
 *     one on the same connection. What the new token no longer allows (subscriptions, Observe relations) each
 *     edge then drops with the renewed session's own ACL, the same {@code TopicAcl} that admits new ones.</li>
 * </ul>
 * Stateless and thread-safe; reads only in-memory state.
 */
public final class SessionRechecks {
    private final RevocationChecker revocations;

    public SessionRechecks(RevocationChecker revocations) {
        this.revocations = Objects.requireNonNull(revocations, "revocations");
    }

    /** Why {@code session} must end at {@code now}, or empty while it is in force. */
    public Optional<RejectionReason> endReason(DeviceSession session, Instant now) {
        if (session.isExpiredAt(now)) {
            return Optional.of(RejectionReason.EXPIRED);
        }
        return revocations.check(session.token());
    }

    /**
     * Why a renewal may not replace {@code live} with {@code renewed}, or empty if it may: a connection is one
     * principal's, of one kind, in one tenant, for its whole life (a token for another is a new connection).
     */
    public Optional<RejectionReason> renewalRefusal(DeviceSession live, DeviceSession renewed) {
        boolean same = live.kind() == renewed.kind() && live.principal().equals(renewed.principal())
                && live.tenant().equals(renewed.tenant());
        return same ? Optional.empty() : Optional.of(RejectionReason.CLIENT_ID_MISMATCH);
    }
}
