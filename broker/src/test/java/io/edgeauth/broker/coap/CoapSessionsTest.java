package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.auth.DeviceSession;
import io.edgeauth.broker.policy.TopicAcl;
import io.edgeauth.broker.testsupport.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class CoapSessionsTest {
    private final MutableClock clock = new MutableClock(Instant.now());
    private final List<String> dropped = new CopyOnWriteArrayList<>();

    private CoapSessions.Bound bound(int i) {
        DeviceSession s = SessionFootprintTest.session(i, clock.instant()); // expires in 600 s
        return new CoapSessions.Bound(s, s.topicAcl(), null);
    }

    @Test
    void boundedBySize() {
        CoapSessions sessions = new CoapSessions(10, CoapSettings.DEFAULT_MAX_PEERS_PER_PRINCIPAL, clock,
                (k, b) -> dropped.add(k));
        for (int i = 0; i < 100; i++) {
            sessions.bind("psk:dev" + i, bound(i));
        }
        sessions.cleanUp();
        assertThat(sessions.size()).isLessThanOrEqualTo(10);
        await().atMost(Duration.ofSeconds(5)).until(() -> dropped.size() >= 90);
    }

    @Test
    void expiredSessionsAreNotReturnedAndReplacementIsNotADrop() {
        CoapSessions sessions = new CoapSessions(10, CoapSettings.DEFAULT_MAX_PEERS_PER_PRINCIPAL, clock,
                (k, b) -> dropped.add(k));
        sessions.bind("psk:a", bound(1));
        sessions.bind("psk:a", bound(2)); // a new token for the same peer
        assertThat(sessions.current("psk:a").session().principal()).isEqualTo("dev-0000002");
        clock.advance(Duration.ofSeconds(601));
        assertThat(sessions.current("psk:a")).isNull();
        await().atMost(Duration.ofSeconds(5)).until(() -> dropped.equals(List.of("psk:a")));
    }
}
