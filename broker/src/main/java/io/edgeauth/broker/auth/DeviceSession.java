package io.edgeauth.broker.auth;

import io.edgeauth.broker.policy.TopicAcl;
import io.edgeauth.broker.token.VerifiedToken;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * An authenticated principal on one connection or DTLS session: what kind it is, who, in which tenant, what
 * its token allows and until when. Every later check (publish, subscribe, request) asks this object or the
 * policy built from it; no edge re-derives these facts (least of all the kind, from the principal's spelling).
 * Immutable; a renewed token gives a new session.
 *
 * @param kind         device, wallet or service, as the pipeline decided it
 * @param principal    device id, or wallet DID for owners
 * @param tenant       tenant id every topic of this session is scoped to
 * @param token        the verified token
 * @param ownedDevices device ids the principal owns (from the registry, never from a claim)
 * @param ratePlan     name of the rate plan that applies
 * @param transport    transport facts of the connection
 * @param validUntil   when the pipeline stops accepting the token ({@code exp} plus the one clock leeway the
 *                     verifier allowed): every edge ends the session then, by the same clock
 */
public record DeviceSession(
        PrincipalKind kind,
        String principal,
        String tenant,
        VerifiedToken token,
        Set<String> ownedDevices,
        String ratePlan,
        TransportFacts transport,
        Instant validUntil) {

    /** A session that ends exactly at the token's {@code exp} (no leeway). */
    public DeviceSession(PrincipalKind kind, String principal, String tenant, VerifiedToken token,
                         Set<String> ownedDevices, String ratePlan, TransportFacts transport) {
        this(kind, principal, tenant, token, ownedDevices, ratePlan, transport, null);
    }

    public DeviceSession {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(token, "token");
        ownedDevices = ownedDevices == null ? Set.of() : Set.copyOf(ownedDevices);
        Objects.requireNonNull(ratePlan, "ratePlan");
        // one copy per fleet of the values every session repeats (see VerifiedToken)
        tenant = tenant.intern();
        ratePlan = ratePlan.intern();
        if (principal.equals(token.subject())) {
            principal = token.subject();
        }
        validUntil = validUntil == null || validUntil.equals(token.expiresAt()) ? token.expiresAt() : validUntil;
    }

    /** Builds this session's publish/subscribe permissions (a device is its own id's; others own devices). */
    public TopicAcl topicAcl() {
        return TopicAcl.of(kind == PrincipalKind.DEVICE ? principal : null, ownedDevices, token.scope());
    }

    /** When the session ends: {@link #validUntil()}. */
    public Instant expiresAt() {
        return validUntil;
    }

    /** Whether the session has ended at {@code now} (of the clock the pipeline and every edge share). */
    public boolean isExpiredAt(Instant now) {
        return !now.isBefore(validUntil);
    }
}
