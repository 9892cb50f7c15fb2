package io.edgeauth.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.mqtt.persist.PersistedSession;
import io.edgeauth.broker.router.RoutedMessage;
import io.edgeauth.broker.store.redis.RedisStore;
import io.lettuce.core.Consumer;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A moved session's messages taken from its previous owner's inbox, on a real redis-server: only what the
 * session's subscriptions match (at the granted QoS, QoS 0 left out) or what was forwarded to it by name, from
 * the position the claim script gives (the previous owner's oldest unacknowledged entry) on, and again after the
 * second pass's delay; notices, other sessions' entries and malformed records are skipped.
 */
class InboxSalvageTest {
    static final String KEY = "default\u0000owner#1";
    @TempDir
    Path dir;
    RedisFixture fixture;
    RedisStore store;
    RedisCommands<String, byte[]> redis;
    final String inbox = Inbox.key("old-node");
    final List<RoutedMessage> taken = new CopyOnWriteArrayList<>();
    InboxSalvage salvage;

    @BeforeEach
    void start() throws Exception {
        fixture = new RedisFixture(dir);
        store = fixture.store;
        redis = fixture.redis;
        salvage = new InboxSalvage(store, (key, m) -> {
            assertThat(key).isEqualTo(KEY);
            taken.add(m);
            return CompletableFuture.completedFuture(null);
        }, new ClusterMetrics(new SimpleMeterRegistry()));
    }

    @AfterEach
    void stop() throws Exception {
        salvage.close();
        if (fixture != null) {
            fixture.close();
        }
    }

    static PersistedSession session() {
        return new PersistedSession(KEY, "default", "owner#1", "did:owner", 600,
                Map.of("d/m1/up/#", 1, "$share/grp/d/+/alarm", 2, "d/m1/low/#", 0));
    }

    static RoutedMessage message(String tenant, String topic, int qos) {
        return new RoutedMessage(tenant, topic, topic.getBytes(StandardCharsets.UTF_8), qos, false, null, "pub");
    }

    String add(Object... fields) {
        Map<String, byte[]> body = new HashMap<>();
        for (int i = 0; i < fields.length; i += 2) {
            Object v = fields[i + 1];
            body.put((String) fields[i], v instanceof RoutedMessage m ? MessageCodec.encode(m)
                    : v instanceof byte[] b ? b : v.toString().getBytes(StandardCharsets.UTF_8));
        }
        return redis.xadd(inbox, body);
    }

    List<String> topics() {
        return taken.stream().map(m -> m.topic() + "@" + m.qos()).toList();
    }

    @Test
    void takesWhatTheSessionsSubscriptionsMatchOrWhatWasForwardedToItFromTheGivenEntryOn() {
        add(Inbox.MESSAGE, message("default", "d/m1/up/before", 1)); // before the claim's position: its owner had it
        String first = add(Inbox.MESSAGE, message("default", "d/m1/up/a", 1));
        add(Inbox.MESSAGE, message("default", "d/m1/up/qos0", 0)); // at most once: not salvaged
        add(Inbox.MESSAGE, message("default", "d/m2/up/other", 1)); // another device's topic
        add(Inbox.MESSAGE, message("other", "d/m1/up/tenant", 1)); // another tenant
        add(Inbox.MESSAGE, message("default", "d/m1/up/b", 2)); // granted 1: delivered at 1
        add(Inbox.MESSAGE, message("default", "d/m1/low/granted0", 1)); // granted 0: at most once
        add(Inbox.MESSAGE, message("default", "d/m7/alarm", 1), Inbox.GROUP_NAME, "grp", Inbox.FILTER, "d/+/alarm");
        add(Inbox.MESSAGE, message("default", "d/m7/alarm2", 1), Inbox.GROUP_NAME, "nope", Inbox.FILTER, "d/+/alarm");
        add(Inbox.MESSAGE, message("default", "d/m7/alarm3", 1)); // only a shared subscription matches it: not ours
        add(Inbox.MESSAGE, message("default", "x/named", 1), SessionMobility.SESSION, KEY);
        add(Inbox.MESSAGE, message("default", "d/m1/up/named-other", 1), SessionMobility.SESSION, "default\u0000else");
        add(SessionMobility.NOTICE, KEY, SessionMobility.EPOCH, "3");
        add(Inbox.MESSAGE, "not a record".getBytes(StandardCharsets.UTF_8));
        add(Inbox.MESSAGE, new byte[0]);
        add("unknown", "field");

        AtomicBoolean finished = new AtomicBoolean();
        salvage.start(KEY, inbox, first, session(), () -> finished.set(true));
        await().atMost(Duration.ofSeconds(30)).until(() -> taken.size() >= 4);
        add(Inbox.MESSAGE, message("default", "d/m1/up/late", 1)); // after the first pass: the second one takes it
        await().atMost(Duration.ofSeconds(60)).untilTrue(finished);

        assertThat(topics()).containsExactly("d/m1/up/a@1", "d/m1/up/b@1", "d/m7/alarm@1", "x/named@1", "d/m1/up/late@1");
    }

    @Test
    void aSubscriptionChangedWhileItRunsDecidesWhatTheSecondPassTakes() {
        String first = add(Inbox.MESSAGE, message("default", "d/m1/up/a", 1));
        AtomicBoolean finished = new AtomicBoolean();
        InboxSalvage.Run run = salvage.start(KEY, inbox, first, session(), () -> finished.set(true));
        await().atMost(Duration.ofSeconds(30)).until(() -> taken.size() == 1);
        run.describe(new PersistedSession(KEY, "default", "owner#1", "did:owner", 600, Map.of("d/m1/down/#", 1)));
        add(Inbox.MESSAGE, message("default", "d/m1/up/pruned", 1));
        add(Inbox.MESSAGE, message("default", "d/m1/down/new", 1));
        await().atMost(Duration.ofSeconds(60)).untilTrue(finished);
        assertThat(topics()).containsExactly("d/m1/up/a@1", "d/m1/down/new@1");
    }

    @Test
    void theClaimNamesThePreviousOwnersFirstUnacknowledgedEntry() throws Exception {
        SessionScripts scripts = new SessionScripts(store, "new-node", 100, 1000, 1000);
        try {
            redis.xgroupCreate(XReadArgs.StreamOffset.from(inbox, "0"), Inbox.GROUP, XGroupCreateArgs.Builder.mkstream());
            add(Inbox.MESSAGE, message("default", "d/m1/up/acked", 1));
            String pending = add(Inbox.MESSAGE, message("default", "d/m1/up/pending", 1));
            String read = readOne(); // acknowledged
            redis.xack(inbox, Inbox.GROUP, read);
            assertThat(readOne()).isEqualTo(pending); // read, never acknowledged (its node died)
            add(Inbox.MESSAGE, message("default", "d/m1/up/unread", 1));
            own("old-node");
            assertThat(scripts.claim(KEY, "did:owner", false, false).get().unreadFrom()).isEqualTo(pending);

            redis.xack(inbox, Inbox.GROUP, pending); // nothing pending: the entry after the last one read
            own("old-node");
            assertThat(scripts.claim(KEY, "did:owner", false, false).get().unreadFrom())
                    .isEqualTo(InboxSalvage.after(pending));

            own("old-node");
            assertThat(scripts.claim(KEY, "did:owner", true, false).get().unreadFrom()).as("clean start").isNull();
            assertThat(scripts.claim(KEY, "did:owner", false, false).get().unreadFrom()).as("its own").isNull();
            redis.del(Inbox.key("gone-node"));
            own("gone-node"); // an inbox without a group (forgotten, or never read): all of it
            assertThat(scripts.claim(KEY, "did:owner", false, false).get().unreadFrom()).isEqualTo("-");
        } finally {
            scripts.close();
        }
    }

    String readOne() {
        return redis.xreadgroup(Consumer.from(Inbox.GROUP, "old-node"), XReadArgs.Builder.count(1),
                XReadArgs.StreamOffset.lastConsumed(inbox)).get(0).getId();
    }

    void own(String node) {
        redis.hset(SessionScripts.SESSION_PREFIX + KEY, Map.of("owner", node.getBytes(StandardCharsets.UTF_8),
                "principal", "did:owner".getBytes(StandardCharsets.UTF_8), "desc", session().toBytes()));
    }

    @Test
    void theEntryAfterAnId() {
        assertThat(InboxSalvage.after("1764000000000-0")).isEqualTo("1764000000000-1");
        assertThat(InboxSalvage.after("5-41")).isEqualTo("5-42");
    }
}
