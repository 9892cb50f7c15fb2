package io.edgeauth.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.mqtt.persist.SessionHome;
import io.edgeauth.broker.router.RoutedMessage;
import io.edgeauth.broker.router.TopicRouter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tour M, M5: after Redis lost its data a node kept its copy of a persistent session Redis no longer named it the
 * owner of, and forwarded every matching message to the real owner too (each message twice). A node now notices its
 * lease entry is gone, as after a lapse, and then keeps a session only where Redis names it the owner, as a restart
 * does: a connected client's session it re-claims (its entry was lost), an offline one or one another node claimed
 * it drops.
 */
class SessionsAfterRedisLossTest {
    static final String CONNECTED = "default\u0000s#connected";
    static final String OFFLINE = "default\u0000s#offline";
    static final String ELSEWHERE = "default\u0000s#elsewhere";
    @TempDir
    Path dir;
    RedisFixture fixture;
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @BeforeEach
    void start() throws Exception {
        fixture = new RedisFixture(dir);
    }

    @AfterEach
    void stop() throws Exception {
        fixture.close();
    }

    @Test
    void aNodeWhoseLeaseEntryVanishedChecksItsSessions() throws Exception {
        AtomicInteger lapses = new AtomicInteger();
        RouteAnnouncer announcer = new RouteAnnouncer(fixture.store, "self", 1000);
        RouteTable table = new RouteTable(fixture.store, "self", new TopicRouter(100, reason -> { }), announcer,
                new ClusterMetrics(meters), 1000, Duration.ofSeconds(10), Clock.systemUTC(), lapses::incrementAndGet,
                dead -> new InboxGaps(dead, Inbox.key(dead), meters, (event, outcome, fields) -> { }, Clock.systemUTC()),
                new NodeLease("self", Path.of("node-id")), new ClockCheck(Clock.systemUTC(), Duration.ofSeconds(30), meters));
        try {
            table.startReading();
            await().atMost(Duration.ofSeconds(30)).until(() -> fixture.redis.zscore(RouteTable.NODES, bytes("self")) != null);
            Thread.sleep(2500); // a few renewals
            assertThat(lapses.get()).isZero();
            assertThat(table.dataLostAt()).isEmpty();
            fixture.redis.flushall();
            await().atMost(Duration.ofSeconds(30)).until(() -> lapses.get() > 0);
            assertThat(table.dataLostAt()).as("for /health").isPresent();
            assertThat(meters.counter("edgeauth.cluster.store.data.lost").count()).isEqualTo(1.0);
        } finally {
            table.close();
        }
    }

    @Test
    void afterTheLossASessionIsKeptOnlyWhereRedisNamesThisNodeTheOwner() throws Exception {
        SessionMobility mobility = new SessionMobility(fixture.store, "self", 100, 1000, 1000, new ClusterMetrics(meters));
        List<String> ended = new CopyOnWriteArrayList<>();
        mobility.attach(new SessionHome.Sessions() {
            @Override
            public void movedAway(String key) {
                ended.add(key);
            }

            @Override
            public boolean deliver(String key, RoutedMessage message) {
                return false;
            }
        });
        try {
            for (String key : List.of(CONNECTED, OFFLINE, ELSEWHERE)) {
                mobility.claim(key, "svc", false, false).get(10, TimeUnit.SECONDS);
                mobility.claimed(key);
            }
            mobility.offline(OFFLINE, 3600);
            mobility.offline(ELSEWHERE, 3600);
            fixture.redis.flushall();
            // a client claims ELSEWHERE on another node: the claim found no owner, so this node got no notice
            fixture.redis.hset(SessionScripts.SESSION_PREFIX + ELSEWHERE, "owner", bytes("other"));

            mobility.leaseLapsed();
            await().atMost(Duration.ofSeconds(10)).until(() -> ended.size() == 2);
            assertThat(ended).containsExactlyInAnyOrder(OFFLINE, ELSEWHERE);
            assertThat(new String(fixture.redis.hget(SessionScripts.SESSION_PREFIX + CONNECTED, "owner"),
                    StandardCharsets.UTF_8)).as("the connected client's session is this node's again").isEqualTo("self");
            assertThat(fixture.redis.sismember(OrphanedSessions.ownedKey("self"), bytes(CONNECTED))).isTrue();
            assertThat(new String(fixture.redis.hget(SessionScripts.SESSION_PREFIX + ELSEWHERE, "owner"),
                    StandardCharsets.UTF_8)).isEqualTo("other");
            assertThat(fixture.redis.exists(SessionScripts.SESSION_PREFIX + OFFLINE)).isZero();
        } finally {
            mobility.close();
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
