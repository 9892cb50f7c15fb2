package io.edgeauth.broker.mqtt;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.revocation.Revocation;
import io.edgeauth.broker.revocation.RevocationChecker;
import io.edgeauth.broker.revocation.RevocationEvents;
import io.edgeauth.broker.token.VerifiedToken;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** In-memory revocations by subject, with events. */
final class TestRevocations implements RevocationEvents, RevocationChecker {
    private final Set<String> subjects = ConcurrentHashMap.newKeySet();
    private final List<Consumer<Revocation>> listeners = new CopyOnWriteArrayList<>();

    @Override
    public AutoCloseable subscribe(Consumer<Revocation> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    @Override
    public Optional<RejectionReason> check(VerifiedToken token) {
        return subjects.contains(token.subject()) ? Optional.of(RejectionReason.REVOKED) : Optional.empty();
    }

    void revokeSubject(String subject) {
        subjects.add(subject);
        Revocation r = new Revocation(Revocation.Kind.SUB, subject, Instant.now(), Instant.now().plusSeconds(600), "test");
        new Thread(() -> listeners.forEach(l -> l.accept(r))).start();
    }
}
