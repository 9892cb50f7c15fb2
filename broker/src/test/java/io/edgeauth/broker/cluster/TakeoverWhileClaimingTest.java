package io.edgeauth.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.mqtt.persist.SessionHome;
import io.edgeauth.broker.router.RoutedMessage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tour V, V4 across nodes: a CONNECT claimed its session here, another node claimed it right after, and that node's
 * notice arrived while this node's connection was still being bound: it found nothing to end, and the client id
 * stayed connected on both nodes. A notice of a later claim that arrives while the claim here is being bound now
 * ends the connection once it is bound; one of an earlier claim (stale) does not.
 */
class TakeoverWhileClaimingTest {
    static final String KEY = "default\u0000v4x";
    @TempDir
    Path dir;
    RedisFixture fixture;
    SessionMobility mobility;
    final Set<String> bound = ConcurrentHashMap.newKeySet();
    final List<String> ended = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        fixture = new RedisFixture(dir);
        mobility = new SessionMobility(fixture.store, "self", 100, 1000, 1000, new ClusterMetrics(new SimpleMeterRegistry()));
        mobility.attach(new SessionHome.Sessions() {
            @Override
            public void movedAway(String key) {
                if (bound.remove(key)) { // only a bound connection can be ended
                    ended.add(key);
                }
            }

            @Override
            public boolean deliver(String key, RoutedMessage message) {
                return bound.contains(key);
            }
        });
    }

    @AfterEach
    void stop() throws Exception {
        mobility.close();
        fixture.close();
    }

    @Test
    void aLaterClaimNoticedWhileBindingEndsTheConnectionOnceBound() throws Exception {
        mobility.claim(KEY, "dev", true, false).get(10, TimeUnit.SECONDS);
        mobility.movedAway(KEY, Long.MAX_VALUE / 2); // another node's later claim, before this node's bind
        bound.add(KEY); // the connection is bound here
        mobility.claimed(KEY);
        assertThat(ended).as("the connection bound after the later claim's notice").containsExactly(KEY);
    }

    @Test
    void aStaleNoticeWhileBindingLeavesTheConnection() throws Exception {
        mobility.claim(KEY, "dev", true, false).get(10, TimeUnit.SECONDS);
        mobility.movedAway(KEY, 0); // a claim older than this node's
        bound.add(KEY);
        mobility.claimed(KEY);
        assertThat(ended).isEmpty();
    }
}
