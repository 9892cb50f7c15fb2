package io.edgeauth.broker.auth;

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
 */
public record DeviceSession(
        PrincipalKind kind,
        String principal,
        String tenant,
        VerifiedToken token,
        Set<String> ownedDevices,
        String ratePlan,
        TransportFacts transport) {

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
    }

    public Instant expiresAt() {
        return token.expiresAt();
    }
}
