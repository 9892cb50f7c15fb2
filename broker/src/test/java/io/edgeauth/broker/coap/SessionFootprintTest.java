package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.auth.DeviceSession;
import io.edgeauth.broker.auth.Protocol;
import io.edgeauth.broker.auth.TransportFacts;
import io.edgeauth.broker.policy.RateLimiter;
import io.edgeauth.broker.policy.TopicAcl;
import io.edgeauth.broker.token.Confirmation;
import io.edgeauth.broker.token.TokenFormat;
import io.edgeauth.broker.token.VerifiedToken;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Heap per authorized CoAP session (session store entry: key, pipeline session with its verified token and
 * transport facts, ACL, limiter handle, cache node). Target: 1 million sessions in 12 GiB, i.e. well under
 * 12 KiB each. Strings are distinct per session as a real verifier would produce them.
 */
class SessionFootprintTest {
    static final int N = 50_000;

    static DeviceSession session(int i, Instant now) {
        String id = "dev-" + String.format("%07d", i);
        VerifiedToken t = new VerifiedToken(TokenFormat.CWT, new String("https://broker.example.com"), id,
                List.of(new String("edgeauth")), now, null, now.plusSeconds(600), UUID.randomUUID().toString(),
                new String("k-2026-01"), null, Set.of(new String("telemetry")), List.of(new String("u33d")), null,
                Confirmation.NONE, null, null, Integer.toHexString(i * 31 + 7) + "abcdef01");
        TransportFacts facts = new TransportFacts(Protocol.COAP, new InetSocketAddress("10.1.2.3", 40000 + i % 20000),
                null, true, id, null);
        return new DeviceSession(io.edgeauth.broker.auth.PrincipalKind.DEVICE, id, new String("default"), t, Set.of(), new String("default"), facts);
    }

    private static long usedHeap(MemoryMXBean mx) {
        for (int i = 0; i < 4; i++) {
            System.gc();
        }
        return mx.getHeapMemoryUsage().getUsed();
    }

    @Test
    void bytesPerSession() {
        MemoryMXBean mx = ManagementFactory.getMemoryMXBean();
        Instant now = Instant.now();
        RateLimiter limiter = new RateLimiter() { // the real limiter's buckets live in RateLimits, shared
            @Override
            public boolean tryAcquire(int bytes) {
                return true;
            }

            @Override
            public long secondsUntilAvailable() {
                return 0;
            }
        };
        CoapSessions sessions = new CoapSessions(2 * N, CoapSettings.DEFAULT_MAX_PEERS_PER_PRINCIPAL, Clock.systemUTC(),
                (k, b) -> { });
        long before = usedHeap(mx);
        for (int i = 0; i < N; i++) {
            DeviceSession s = session(i, now);
            sessions.bind("psk:" + s.principal(), new CoapSessions.Bound(s, s.topicAcl(), limiter));
        }
        sessions.cleanUp();
        long after = usedHeap(mx);
        long perSession = (after - before) / N;
        System.out.printf("CoAP session footprint: %d bytes/session (%d sessions, %d MiB); "
                + "1M sessions ~ %d MiB%n", perSession, sessions.size(), (after - before) >> 20, perSession * 1_000_000L >> 20);
        assertThat(sessions.size()).isEqualTo(N);
        assertThat(perSession).isBetween(100L, 6L * 1024);
    }
}
