package io.edgeauth.broker.cluster;

import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.router.RoutedMessage;
import io.edgeauth.broker.router.TopicRouter;
import io.edgeauth.broker.store.ChangeFeed;
import io.edgeauth.broker.store.redis.RedisStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cross-node routing on Redis: a message published on one node reaches the subscribers of every node.
 * This node announces the filters of its own subscribers ({@link RouteAnnouncer}), keeps the other
 * nodes' filters in its router ({@link RouteTable}), appends a message that matches another node's
 * filter to that node's inbox stream ({@link RemoteNode}) and delivers what others append to its own
 * inbox ({@link Inbox}); retained messages are shared through the change feed {@code retained}.
 * Only built for {@code store.type: redis}: with the embedded store the router has no link and no
 * remote subscribers, and its paths are what they were.
 */
public final class ClusterRouting implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterRouting.class);

    private final String nodeId;
    private final RouteAnnouncer announcer;
    private final RouteTable table;
    private final Inbox inbox;
    private final SessionMobility sessions;
    private final InboxGaps gaps;
    private final ClockCheck clockCheck;
    private final List<AutoCloseable> parts = new ArrayList<>();

    /**
     * How this node takes part: its id (or empty), its inbox bound, the lease, the route feed's bound, and the token
     * clock leeway (its clock's offset against Redis is warned about beyond half of it), and the settings every node
     * must share ({@link ConfigAgreement#of}).
     */
    public record Settings(String nodeId, Path dataDir, int inboxLength, Duration nodeLease, int feedLength,
                           Duration backpressureTimeout, int sessionQueueLength, Duration clockLeeway,
                           Map<String, String> sharedSettings) {
    }

    private ClusterRouting(RedisStore store, TopicRouter router, Settings settings, MeterRegistry meters, AuditLog audit,
                           Clock clock) {
        this.nodeId = NodeIdentity.resolve(settings.nodeId(), settings.dataDir());
        ClusterMetrics metrics = new ClusterMetrics(meters);
        this.announcer = new RouteAnnouncer(store, nodeId, settings.feedLength());
        this.sessions = new SessionMobility(store, nodeId, settings.sessionQueueLength(), settings.inboxLength(),
                settings.feedLength(), metrics);
        this.clockCheck = new ClockCheck(clock, settings.clockLeeway(), meters);
        this.table = new RouteTable(store, nodeId, router, announcer, metrics, settings.inboxLength(), settings.nodeLease(),
                clock, sessions::leaseLapsed,
                dead -> new InboxGaps(dead, Inbox.key(dead), meters, audit, Clock.systemUTC()),
                new NodeLease(nodeId, settings.dataDir().resolve("node-id")), clockCheck);
        this.gaps = new InboxGaps(nodeId, Inbox.key(nodeId), meters, audit, Clock.systemUTC());
        this.inbox = new Inbox(store, nodeId, router, metrics, settings.backpressureTimeout(), gaps);
        inbox.sessions(sessions);
        Gauge.builder("edgeauth.cluster.routes", announcer, RouteAnnouncer::size)
                .description("(tenant, filter) pairs this node announces to the others").register(meters);
        // this node counts itself: an operator with two live nodes reads 2 (it read 1, as "one missing")
        Gauge.builder("edgeauth.cluster.nodes", table, t -> t.remoteNodes().size() + 1)
                .description("live nodes of the cluster, this one included").register(meters);
        Gauge.builder("edgeauth.cluster.orphaned.sessions", table, RouteTable::orphanedSessions)
                .description("persistent sessions of dead nodes whose messages this node routes to their inbox")
                .register(meters);
    }

    /**
     * Joins the nodes on {@code store}: links the router (call before any subscription is made), loads
     * the shared retained messages and the other nodes' routes; {@link #open} completes the start.
     */
    public static ClusterRouting start(RedisStore store, TopicRouter router, Settings settings, MeterRegistry meters,
                                       AuditLog audit, Clock clock) {
        ClusterRouting routing = new ClusterRouting(store, router, settings, meters, audit, clock);
        try {
            router.clusterLink(routing.announcer);
            routing.parts.add(followRetained(store.feed(), store, router));
            routing.table.startReading();
            routing.parts.add(routing.table);
            ConfigAgreement agreement = new ConfigAgreement(store, routing.nodeId, settings.sharedSettings(), clock, meters);
            routing.parts.add(agreement);
            agreement.start();
            LOG.info("cross-node routing: this node is {}", routing.nodeId);
            return routing;
        } catch (RuntimeException e) {
            routing.close();
            throw e;
        }
    }

    /**
     * Every node's retained messages: followed from now on, then loaded (changes are applied idempotently). A
     * resync (the feed lost changes) also drops what the store no longer holds: a lost change may be a removal
     * (a deleted device's retained messages).
     */
    private static AutoCloseable followRetained(ChangeFeed feed, RedisStore store, TopicRouter router) {
        Runnable load = () -> store.forEach(RouteAnnouncer.RETAINED_FEED, (key, value) -> apply(router, key, value));
        Runnable resync = () -> {
            Set<String> held = new java.util.HashSet<>();
            store.forEach(RouteAnnouncer.RETAINED_FEED, (key, value) -> {
                held.add(key);
                apply(router, key, value);
            });
            router.dropRetainedNotIn(held);
        };
        AutoCloseable following = feed.follow(RouteAnnouncer.RETAINED_FEED,
                change -> apply(router, change.key(), change.value().orElse(null)), resync);
        load.run();
        return following;
    }

    private static void apply(TopicRouter router, String key, byte[] value) {
        int slash = key.indexOf('/');
        if (slash <= 0) {
            return;
        }
        try {
            router.applyShared(value == null
                    ? new RoutedMessage(key.substring(0, slash), key.substring(slash + 1), null, 0, true, null, null)
                    : MessageCodec.decode(value));
        } catch (IllegalArgumentException e) {
            LOG.warn("shared retained message {} skipped: {}", key.replaceAll("\\p{Cntrl}", "?"), e.getMessage());
        }
    }

    /**
     * Announces this node's routes (replacing what a previous run left) and starts taking messages from its
     * inbox. Call once the edges have restored their persistent sessions: their subscriptions are then
     * never withdrawn in between, and what the inbox holds for them finds them.
     */
    public void open() {
        announcer.startAnnouncing();
        inbox.startReading();
        parts.add(inbox);
    }

    /** Inbox entries are acknowledged only once {@code barrier} says what they wrote locally is durable. */
    public void acknowledgeWhen(Supplier<CompletableFuture<Void>> barrier) {
        inbox.acknowledgeWhen(barrier);
    }

    /** Where this node's persistent MQTT sessions live, so their clients may resume them on any node. */
    public io.edgeauth.broker.mqtt.persist.SessionHome sessions() {
        return sessions;
    }

    /**
     * For {@code /health/ready}: messages for this node were lost to its inbox's bound within the last
     * {@link InboxGaps#REPORTED_FOR} (it was away too long for {@code store.inboxLength}), else empty.
     */
    public Optional<String> inboxGap() {
        return gaps.recentGap();
    }

    /**
     * For {@code /health}: this node's clock against Redis's, e.g. "0.2 s ahead of Redis's", with a warning beyond
     * half the token clock leeway. A fact, not a failed check: readiness would take every node out of service when
     * Redis's own clock is off, although the nodes then agree with each other.
     */
    public String clockReport() {
        return clockCheck.problem().orElse(String.format(java.util.Locale.ROOT, "%.1f s offset from Redis's",
                clockCheck.offsetSeconds()));
    }

    /** For {@code /health}: when this node last found that Redis had lost its data (its lease entry gone), if ever. */
    public Optional<String> storeDataLost() {
        return table.dataLostAt().map(at -> at + ": Redis lost its data (revocations, signing keys written back;"
                + " registry and sessions lost)");
    }

    public String nodeId() {
        return nodeId;
    }

    /** The other nodes this node routes to now. */
    public Set<String> remoteNodes() {
        return table.remoteNodes();
    }

    @Override
    public void close() {
        for (int i = parts.size() - 1; i >= 0; i--) {
            try {
                parts.get(i).close();
            } catch (Exception e) {
                LOG.warn("stopping cross-node routing", e);
            }
        }
        parts.clear();
        sessions.close();
    }
}
