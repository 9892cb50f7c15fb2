package io.edgeauth.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.mqtt.persist.PersistedSession;
import io.edgeauth.broker.router.PublishResult;
import io.edgeauth.broker.router.TopicRouter;
import io.edgeauth.broker.store.redis.RedisStore;
import io.lettuce.core.Consumer;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dead node's routes as a surviving node keeps them, on a real redis-server: those of its persistent sessions
 * stay (QoS 1 still goes to its inbox, QoS 0 not), those of its other subscribers go; a session it left connected
 * gets an expiry, a clean one too; a claim ends the session's route after the grace, an expiry ends it too; the
 * node comes back, or is forgotten only once no persistent session of it is left and no claimant reads its inbox;
 * a node that finds its own lease had ended takes its sessions back; messages trimmed from the dead node's inbox
 * are counted lost, once.
 */
class OrphanedSessionsTest {
    static final String DEAD = "dead-node";
    static final String OFFLINE = "default\u0000owner#offline";
    static final String CONNECTED = "default\u0000owner#connected";
    static final String CLEAN = "default\u0000owner#clean";
    static final String EXPIRING = "default\u0000owner#expiring";
    @TempDir
    Path dir;
    RedisFixture fixture;
    RedisStore store;
    RedisCommands<String, byte[]> redis;
    final TopicRouter router = new TopicRouter(100, reason -> { });
    RouteTable table;
    final AtomicInteger lapses = new AtomicInteger();
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @BeforeEach
    void start() throws Exception {
        fixture = new RedisFixture(dir);
        store = fixture.store;
        redis = fixture.redis;
    }

    @AfterEach
    void stop() throws Exception {
        if (table != null) {
            table.close();
        }
        if (fixture != null) {
            fixture.close();
        }
    }

    /** The dead node: lease ended {@code agoMillis} ago, its routes, and three sessions it owned. */
    void deadNode(long agoMillis) {
        redis.zadd(RouteTable.NODES, (double) (System.currentTimeMillis() - agoMillis), bytes(DEAD));
        for (String field : new String[] {"default/d/m1/up/#", "default/d/m2/up/#", "default/clean/#"}) {
            redis.hset(RouteAnnouncer.routesKey(DEAD), field, bytes("1"));
        }
        session(OFFLINE, Map.of("d/m1/up/#", 1, "d/m1/low/#", 0, "$share/g/d/+/alarm", 1), 600);
        redis.pexpire(SessionScripts.SESSION_PREFIX + OFFLINE, 600_000); // offline: its owner set the expiry
        session(CONNECTED, Map.of("d/m2/up/#", 2), 30); // connected when the node died: no expiry yet
        redis.hset(SessionScripts.SESSION_PREFIX + CLEAN, "owner", bytes(DEAD)); // clean: no description
        redis.sadd(OrphanedSessions.ownedKey(DEAD), bytes(CLEAN));
    }

    void session(String key, Map<String, Integer> subscriptions, long expirySeconds) {
        String clientId = key.substring(key.indexOf('\u0000') + 1);
        PersistedSession s = new PersistedSession(key, "default", clientId, "did:owner", expirySeconds, subscriptions);
        redis.hset(SessionScripts.SESSION_PREFIX + key, Map.of("owner", bytes(DEAD), "principal", bytes("did:owner"),
                "desc", s.toBytes(), "epoch", bytes("1")));
        redis.sadd(OrphanedSessions.ownedKey(DEAD), bytes(key));
    }

    void follow() {
        follow(Duration.ofSeconds(1));
    }

    void follow(Duration lease) {
        RouteAnnouncer announcer = new RouteAnnouncer(store, "self", 1000);
        table = new RouteTable(store, "self", router, announcer, new ClusterMetrics(meters), 1000,
                lease, Clock.systemUTC(), lapses::incrementAndGet,
                dead -> new InboxGaps(dead, Inbox.key(dead), meters, (event, outcome, fields) -> { }, Clock.systemUTC()),
                new NodeLease("self", java.nio.file.Path.of("node-id")),
                new ClockCheck(Clock.systemUTC(), Duration.ofSeconds(30), meters));
        table.startReading();
    }

    PublishResult publish(String topic, int qos) throws Exception {
        PublishResult result = router.publish("default", topic, bytes(topic), qos, false, null, "test");
        if (result.handoff() != null) {
            result.handoff().get(10, TimeUnit.SECONDS);
        }
        return result;
    }

    boolean routed(String topic) throws Exception {
        return publish(topic, 1).matched() > 0;
    }

    long inboxLength() {
        return redis.xlen(Inbox.key(DEAD));
    }

    @Test
    void persistentSessionsKeepTheirRoutesToTheDeadNodesInboxOthersGo() throws Exception {
        deadNode(1000);
        follow();
        await().atMost(Duration.ofSeconds(30)).until(() -> table.orphanedSessions() == 2);

        assertThat(table.remoteNodes()).isEmpty(); // not live
        assertThat(routed("clean/x")).as("a clean subscriber's route").isFalse();
        assertThat(routed("d/m1/up/kwh")).isTrue();
        assertThat(routed("d/m2/up/kwh")).isTrue();
        assertThat(inboxLength()).isEqualTo(2); // both QoS 1 messages wait in the dead node's inbox
        assertThat(publish("d/m1/up/kwh", 0).dropped()).isEqualTo(1); // QoS 0: nobody takes it late
        assertThat(routed("d/m1/low/x")).as("a QoS 0 subscription").isFalse();
        assertThat(routed("d/x/alarm")).as("a share group: its live members take it").isFalse();
        assertThat(inboxLength()).isEqualTo(2);

        long connectedTtl = redis.pttl(SessionScripts.SESSION_PREFIX + CONNECTED);
        assertThat(connectedTtl).as("expiry interval + margin, from now").isBetween(30_000L, 90_000L);
        assertThat(redis.pttl(SessionScripts.QUEUE_PREFIX + CONNECTED)).isEqualTo(-2L); // no stream: nothing owed
        assertThat(redis.pttl(SessionScripts.SESSION_PREFIX + OFFLINE)).isGreaterThan(90_000L); // its own, kept
        assertThat(redis.pttl(SessionScripts.SESSION_PREFIX + CLEAN)).isBetween(1L, 60_000L);
        assertThat(redis.sismember(OrphanedSessions.ownedKey(DEAD), bytes(CLEAN))).isFalse();
    }

    @Test
    void aClaimEndsTheSessionsRouteToTheDeadNodeAndAnExpiryToo() throws Exception {
        deadNode(1000);
        session(EXPIRING, Map.of("d/m3/up/#", 1), 5);
        redis.pexpire(SessionScripts.SESSION_PREFIX + EXPIRING, 5000); // went offline on the node shortly before
        follow();
        await().atMost(Duration.ofSeconds(30)).until(() -> !routed("d/m3/up/kwh")); // expired in Redis: route gone
        assertThat(table.orphanedSessions()).isEqualTo(2);

        SessionScripts claimant = new SessionScripts(store, "claimant", 100, 1000, 1000);
        SessionScripts.Claimed claimed = claimant.claim(OFFLINE, "did:owner", false, false).get(10, TimeUnit.SECONDS);
        assertThat(claimed.previousOwner()).isEqualTo(DEAD);
        assertThat(redis.sismember(OrphanedSessions.ownedKey(DEAD), bytes(OFFLINE))).isFalse();
        assertThat(redis.sismember(OrphanedSessions.ownedKey("claimant"), bytes(OFFLINE))).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> !routed("d/m1/up/kwh"));
        assertThat(table.orphanedSessions()).isEqualTo(1);
        assertThat(routed("d/m2/up/kwh")).isTrue(); // the other session still waits
        claimant.close();
    }

    @Test
    void aNodeThatComesBackRoutesAsBefore() throws Exception {
        deadNode(1000);
        follow();
        await().atMost(Duration.ofSeconds(30)).until(() -> table.orphanedSessions() == 2);
        assertThat(routed("clean/x")).isFalse();

        redis.zadd(RouteTable.NODES, (double) (System.currentTimeMillis() + 60_000), bytes(DEAD));
        await().atMost(Duration.ofSeconds(30)).until(() -> table.remoteNodes().contains(DEAD));
        assertThat(table.orphanedSessions()).isZero();
        assertThat(routed("clean/x")).isTrue();
        assertThat(publish("d/m1/up/kwh", 0).dropped()).isZero(); // QoS 0 goes to a live node again
    }

    @Test
    void aLongDeadNodeIsForgottenOnlyOnceNoPersistentSessionOfItIsLeftAndNoClaimantReadsItsInbox() throws Exception {
        deadNode(60_000); // ten leases (1 s) and more
        redis.xadd(Inbox.key(DEAD), Map.of("m", bytes("waiting")));
        follow();
        await().atMost(Duration.ofSeconds(30)).until(() -> table.orphanedSessions() == 2);
        awaitHousekeeping(2);
        assertThat(redis.exists(Inbox.key(DEAD), RouteAnnouncer.routesKey(DEAD))).isEqualTo(2);

        SessionScripts claimant = new SessionScripts(store, "claimant", 100, 1000, 1000);
        claimant.claim(OFFLINE, "did:owner", false, false).get(10, TimeUnit.SECONDS);
        claimant.claim(CONNECTED, "did:owner", false, false).get(10, TimeUnit.SECONDS);
        claimant.close();
        await().atMost(Duration.ofSeconds(30)).until(() -> table.orphanedSessions() == 0);
        awaitHousekeeping(2);
        assertThat(redis.exists(Inbox.key(DEAD))).as("the claimant may still read it").isEqualTo(1);
        assertThat(redis.pttl(OrphanedSessions.ownedKey(DEAD) + ":claimed")).isPositive();

        redis.del(OrphanedSessions.ownedKey(DEAD) + ":claimed"); // as if the claimant's time was over
        await().atMost(Duration.ofSeconds(30)).until(() -> redis.zscore(RouteTable.NODES, bytes(DEAD)) == null);
        assertThat(redis.exists(Inbox.key(DEAD), RouteAnnouncer.routesKey(DEAD), OrphanedSessions.ownedKey(DEAD)))
                .isZero();
    }

    @Test
    void aNodeThatFindsItsLeaseHadEndedTakesItsSessionsBack() throws Exception {
        follow(Duration.ofSeconds(10)); // renewed every second: far from ending by itself
        awaitHousekeeping(2);
        assertThat(lapses.get()).isZero();
        redis.zadd(RouteTable.NODES, (double) (System.currentTimeMillis() - 5000), bytes("self")); // as if stalled
        await().atMost(Duration.ofSeconds(30)).until(() -> lapses.get() == 2); // told twice, a late survivor in mind
        awaitHousekeeping(2);
        assertThat(lapses.get()).isEqualTo(2);

        // what the survivors did (OrphanedSessions), undone for the sessions this node holds
        SessionScripts self = new SessionScripts(store, "self", 100, 1000, 1000);
        for (String key : new String[] {CONNECTED, OFFLINE}) {
            redis.hset(SessionScripts.SESSION_PREFIX + key, "owner", bytes("self"));
            redis.pexpire(SessionScripts.SESSION_PREFIX + key, 90_000);
        }
        redis.hset(SessionScripts.SESSION_PREFIX + CLEAN, "owner", bytes(DEAD));
        self.reassert(CONNECTED, true, 1);
        self.reassert(OFFLINE, false, 1);
        self.reassert(CLEAN, true, 1); // another node's: untouched
        await().atMost(Duration.ofSeconds(10)).until(() -> redis.pttl(SessionScripts.SESSION_PREFIX + CONNECTED) == -1);
        assertThat(redis.pttl(SessionScripts.SESSION_PREFIX + OFFLINE)).as("its own expiry, kept").isPositive();
        assertThat(redis.smembers(OrphanedSessions.ownedKey("self")).stream().map(b -> new String(b, StandardCharsets.UTF_8)))
                .containsExactlyInAnyOrder(CONNECTED, OFFLINE);
        self.close();
    }

    @Test
    void messagesTrimmedFromTheDeadNodesInboxBeforeAnyClaimAreCountedLostOnce() throws Exception {
        deadNode(1000);
        String inbox = Inbox.key(DEAD);
        redis.xgroupCreate(XReadArgs.StreamOffset.from(inbox, "0"), Inbox.GROUP, XGroupCreateArgs.Builder.mkstream());
        for (int i = 0; i < 5; i++) {
            redis.xadd(inbox, Map.of(Inbox.MESSAGE, bytes("m" + i)));
        }
        redis.xreadgroup(Consumer.from(Inbox.GROUP, DEAD), XReadArgs.Builder.count(1),
                XReadArgs.StreamOffset.lastConsumed(inbox)); // the node read one before it died
        redis.xtrim(inbox, 2); // its bound reached while nobody read it: 2 unread ones gone
        follow();
        await().atMost(Duration.ofSeconds(30)).until(() -> meters.counter("edgeauth.cluster.inbox.gap").count() == 2);
        assertThat(new String(redis.get(inbox + ":lost"), StandardCharsets.UTF_8)).isEqualTo("2");

        InboxGaps another = new InboxGaps(DEAD, inbox, new SimpleMeterRegistry(), (event, outcome, fields) -> { },
                Clock.systemUTC());
        assertThat(another.check(redis)).as("counted by this node already").isZero();
    }

    /** Waits until this node renewed its lease {@code rounds} more times (one housekeeping round each). */
    void awaitHousekeeping(int rounds) {
        for (int i = 0; i < rounds; i++) {
            Double before = redis.zscore(RouteTable.NODES, bytes("self"));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                Double now = redis.zscore(RouteTable.NODES, bytes("self"));
                return now != null && (before == null || now > before);
            });
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
