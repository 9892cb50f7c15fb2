package io.edgeauth.broker.cluster;

import io.edgeauth.broker.router.SharedFilter;
import io.edgeauth.broker.router.Subscription;
import io.edgeauth.broker.router.TopicRouter;
import io.edgeauth.broker.store.redis.RedisStore;
import io.lettuce.core.Range;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.RedisException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The other nodes' routes as this node uses them: each live node's (tenant, filter) pairs, held in this
 * node's {@link TopicRouter} as subscriptions of a {@link RemoteNode}, so a publish finds local and remote
 * targets in one trie walk and no Redis call. One thread keeps it current: it follows
 * {@code ea:feed:routes} from the last entry it applied ({@code XREAD}), reloads a node's hash
 * {@code ea:routes:<node>} on that node's snapshot entry, and once a second renews this node's lease in
 * the sorted set {@code ea:nodes} (score: lease end) and drops the routes of nodes whose lease ran out.
 * After any Redis failure it reloads everything (the stream may have been trimmed meanwhile). A dead node's
 * routes give way to those of its persistent sessions ({@link OrphanedSessions}): their messages keep going to
 * its inbox until the session is claimed or expires. A node whose lease ended {@value #FORGET_AFTER_LEASES}
 * leases ago, and of which no persistent session is left, is forgotten in Redis too (its hash, inbox and lease
 * entry).
 *
 * <p>Why a copy on every node, unlike what EMQX is criticised for: the copy is derived, never
 * replicated between nodes: Redis holds the one authoritative table (no mesh, no split brain: a node
 * cut off from Redis cannot forward anyway), the copy holds one entry per (node, tenant, filter), not per
 * subscription, and it changes only when a node's first subscriber of a filter comes or its last goes.
 */
final class RouteTable extends RedisReader {
    private static final Logger LOG = LoggerFactory.getLogger(RouteTable.class);
    static final String NODES = RedisStore.PREFIX + "nodes";
    private static final int FORGET_AFTER_LEASES = 10;
    private static final int READ_BATCH = 1000;

    private final String self;
    private final TopicRouter router;
    private final RouteAnnouncer announcer;
    private final ClusterMetrics metrics;
    private final int inboxLength;
    private final Duration lease;
    private final Clock clock;
    private final Map<String, NodeRoutes> nodes = new ConcurrentHashMap<>();
    private final OrphanedSessions orphans;
    private final Runnable leaseLapsed;
    /** Gap checks of dead nodes' inboxes while their persistent sessions' messages wait there. */
    private final Function<String, InboxGaps> deadInboxGaps;
    private final Map<String, InboxGaps> deadInboxes = new HashMap<>();
    private long nextGapCheck;
    /** Housekeeping rounds left that tell {@link #leaseLapsed} again (a survivor may act on the old lease late). */
    private int lapsedRounds;
    /** The lease was written once: an entry missing after that was lost, not yet made. */
    private boolean renewed;
    /** When this node last found its lease entry gone (Redis lost its data), for {@code /health}; null if never. */
    private volatile java.time.Instant dataLostAt;
    private String lastId = "0-0";
    private long nextHousekeeping;
    private final NodeLease ownLease;
    /** The lease end is this node's clock: how far it is from Redis's is measured with each renewal. */
    private final ClockCheck clockCheck;

    /** One remote node's routes: the subscriptions made for it in the router, by hash field. */
    private final class NodeRoutes {
        final String id;
        final RemoteNode plain;
        final Map<String, RemoteNode> shares = new HashMap<>();
        final Map<String, Subscription> subscriptions = new HashMap<>();
        /** Its lease ended: what it holds are its persistent sessions' routes. */
        volatile boolean dead;

        NodeRoutes(String id) {
            this.id = id;
            this.plain = new RemoteNode(id, null, null, store, inboxLength, metrics);
        }

        void add(String field) {
            int slash = field.indexOf('/');
            if (slash <= 0 || subscriptions.containsKey(field)) {
                return;
            }
            String tenant = field.substring(0, slash);
            String filter = field.substring(slash + 1);
            SharedFilter shared = SharedFilter.parse(filter);
            RemoteNode target = shared.group() == null ? plain : shares.computeIfAbsent(shared.group() + "/" + shared.filter(),
                    k -> new RemoteNode(id, shared.group(), shared.filter(), store, inboxLength, metrics));
            try {
                subscriptions.put(field, router.subscribe(tenant, filter, 1, target));
            } catch (IllegalArgumentException e) {
                LOG.warn("route of node {} refused: {}", id, e.getMessage()); // only a foreign writer sends one
            }
        }

        void remove(String field) {
            Subscription s = subscriptions.remove(field);
            if (s != null) {
                router.unsubscribe(s);
            }
        }

        void replace(Set<String> fields) {
            for (String field : Set.copyOf(subscriptions.keySet())) {
                if (!fields.contains(field)) {
                    remove(field);
                }
            }
            fields.forEach(this::add);
        }
    }

    RouteTable(RedisStore store, String self, TopicRouter router, RouteAnnouncer announcer, ClusterMetrics metrics,
               int inboxLength, Duration lease, Clock clock, Runnable leaseLapsed,
               Function<String, InboxGaps> deadInboxGaps, NodeLease ownLease, ClockCheck clockCheck) {
        super(store, "edgeauth-cluster-routes");
        this.ownLease = ownLease;
        this.clockCheck = clockCheck;
        this.self = self;
        this.router = router;
        this.announcer = announcer;
        this.metrics = metrics;
        this.inboxLength = inboxLength;
        this.lease = lease;
        this.clock = clock;
        this.orphans = new OrphanedSessions(store, clock);
        this.leaseLapsed = leaseLapsed;
        this.deadInboxGaps = deadInboxGaps;
    }

    /** Renews this node's lease and loads the others' routes before following starts. */
    @Override
    void prepare(RedisCommands<String, byte[]> redis) {
        ownLease.claim(redis); // refuses a second process with this id before it touches anything of the id's
        renewLease(redis);
        loadAll(redis);
    }

    /** Live remote nodes with routes here now (tests, health). */
    Set<String> remoteNodes() {
        Set<String> live = new HashSet<>();
        nodes.values().forEach(n -> {
            if (!n.dead) {
                live.add(n.id);
            }
        });
        return live;
    }

    /** Persistent sessions of dead nodes whose messages this node routes to their inbox. */
    int orphanedSessions() {
        return orphans.size();
    }

    @Override
    void readLoop() {
        boolean reload = false;
        long backoff = 50;
        while (!closed) {
            try {
                RedisCommands<String, byte[]> redis = connection.sync();
                if (reload) {
                    loadAll(redis);
                    reload = false;
                }
                List<StreamMessage<String, byte[]>> entries = redis.xread(
                        XReadArgs.Builder.block(Duration.ofMillis(500)).count(READ_BATCH),
                        XReadArgs.StreamOffset.from(RouteAnnouncer.FEED, lastId));
                for (StreamMessage<String, byte[]> e : entries) {
                    apply(redis, e);
                    lastId = e.getId();
                }
                if (clock.millis() >= nextHousekeeping) {
                    housekeeping(redis);
                }
                store.reportRead("routes-follow", null);
                backoff = 50;
            } catch (RedisException | IllegalStateException e) {
                if (closed) {
                    return;
                }
                store.reportRead("routes-follow", e); // a slow read once is no outage
                reload = true;
                if (!pause(backoff)) {
                    return;
                }
                backoff = Math.min(1000, backoff * 2);
            }
        }
    }

    private void apply(RedisCommands<String, byte[]> redis, StreamMessage<String, byte[]> e) {
        String node = text(e.getBody().get("n"));
        String op = text(e.getBody().get("o"));
        if (node == null || op == null || node.equals(self)) {
            return;
        }
        switch (op) {
            case "a" -> routes(node).add(text(e.getBody().get("r")));
            case "r" -> {
                NodeRoutes n = nodes.get(node);
                if (n != null) {
                    n.remove(text(e.getBody().get("r")));
                }
            }
            case "s" -> load(redis, node);
            case "d" -> orphans.departed(node, text(e.getBody().get("r")));
            default -> LOG.debug("route entry {} with unknown op skipped", e.getId());
        }
    }

    private NodeRoutes routes(String node) {
        return nodes.computeIfAbsent(node, NodeRoutes::new);
    }

    /** Every live node's hash, then the stream from the entry that was last when the load began. */
    private void loadAll(RedisCommands<String, byte[]> redis) {
        List<StreamMessage<String, byte[]>> last = redis.xrevrange(RouteAnnouncer.FEED, Range.create("-", "+"),
                io.lettuce.core.Limit.from(1));
        lastId = last.isEmpty() ? "0-0" : last.get(0).getId();
        Map<String, Double> leases = leases(redis);
        for (String node : Set.copyOf(nodes.keySet())) {
            if (!leases.containsKey(node)) {
                drop(node);
            }
        }
        for (Map.Entry<String, Double> lease : leases.entrySet()) {
            if (lease.getValue() >= clock.millis()) {
                load(redis, lease.getKey());
            } else {
                orphan(redis, lease.getKey()); // reloaded: a claim may have passed unseen
            }
        }
    }

    private void load(RedisCommands<String, byte[]> redis, String node) {
        if (node.equals(self)) {
            return;
        }
        Set<String> fields = new HashSet<>(redis.hkeys(RouteAnnouncer.routesKey(node)));
        NodeRoutes n = routes(node);
        n.plain.forwardQos0(true);
        n.replace(fields);
        if (n.dead) {
            n.dead = false;
            LOG.info("node {} is back", node);
        }
        orphans.release(node);
    }

    /**
     * The dead {@code node}'s routes become those of its persistent sessions, in one replacement: a filter both
     * hold is never without a route in between. QoS 0 is no longer sent there (nobody reads it late).
     */
    private void orphan(RedisCommands<String, byte[]> redis, String node) {
        Set<String> fields = orphans.load(redis, node);
        NodeRoutes n = routes(node);
        n.plain.forwardQos0(false);
        n.replace(fields);
        if (!n.dead) {
            n.dead = true;
            LOG.info("node {} is gone (lease ended): of its routes only the {} of its {} persistent sessions stay, to its inbox",
                    node, fields.size(), orphans.sessions(node));
        }
    }

    /** Every 10 s: messages for a dead node's persistent sessions trimmed from its inbox (lost) are counted. */
    private void checkDeadInboxes(RedisCommands<String, byte[]> redis, long now) {
        if (now < nextGapCheck) {
            return;
        }
        nextGapCheck = now + 10_000;
        deadInboxes.keySet().removeIf(node -> !orphans.holds(node));
        for (NodeRoutes n : nodes.values()) {
            if (n.dead && orphans.sessions(n.id) > 0) {
                deadInboxes.computeIfAbsent(n.id, deadInboxGaps).check(redis);
            }
        }
    }

    private void drop(String node) {
        orphans.release(node);
        NodeRoutes gone = nodes.remove(node);
        if (gone != null) {
            gone.replace(Set.of());
            LOG.info("node {} is forgotten: its routes are dropped", node);
        }
    }

    /** Every other node's lease end (ms). */
    private Map<String, Double> leases(RedisCommands<String, byte[]> redis) {
        Map<String, Double> leases = new HashMap<>();
        for (ScoredValue<byte[]> member : redis.zrangeWithScores(NODES, 0, -1)) {
            leases.put(new String(member.getValue(), StandardCharsets.UTF_8), member.getScore());
        }
        leases.remove(self);
        return leases;
    }

    /** When this node last found its lease entry gone from Redis (Redis lost its data), if it ever did. */
    java.util.Optional<java.time.Instant> dataLostAt() {
        return java.util.Optional.ofNullable(dataLostAt);
    }

    /** Renews this node's lease; if it had ended meanwhile, the others took this node for dead: it says so. */
    private void renewLease(RedisCommands<String, byte[]> redis) {
        long now = clock.millis();
        ownLease.renew(redis);
        clockCheck.measure(redis);
        Double before = redis.zscore(NODES, self.getBytes(StandardCharsets.UTF_8));
        redis.zadd(NODES, (double) (now + lease.toMillis()), self.getBytes(StandardCharsets.UTF_8));
        if (before != null && before < now) {
            LOG.warn("this node's lease had ended {} ms ago: the other nodes took it for dead; its sessions are taken back",
                    now - before.longValue());
            lapsedRounds = 2;
        } else if (before == null && renewed) {
            LOG.warn("this node's lease entry was gone from Redis (Redis lost its data?): its sessions are checked,"
                    + " and those Redis no longer names it the owner of end here");
            metrics.storeDataLost();
            dataLostAt = java.time.Instant.ofEpochMilli(now);
            lapsedRounds = 2;
        }
        renewed = true;
        if (lapsedRounds > 0) {
            lapsedRounds--;
            leaseLapsed.run();
        }
    }

    /**
     * Once a second: this node's lease, lost route changes, nodes that came or went, dead nodes' sessions claimed
     * or expired, long-dead nodes.
     */
    private void housekeeping(RedisCommands<String, byte[]> redis) {
        long now = clock.millis();
        nextHousekeeping = now + 1000;
        renewLease(redis);
        announcer.resendIfDirty();
        Map<String, Double> leases = leases(redis);
        for (Map.Entry<String, NodeRoutes> known : Map.copyOf(nodes).entrySet()) {
            Double end = leases.get(known.getKey());
            if (end == null) {
                drop(known.getKey());
            } else if (end >= now && known.getValue().dead) {
                load(redis, known.getKey());
            }
        }
        for (Map.Entry<String, Double> lease : leases.entrySet()) {
            String node = lease.getKey();
            if (lease.getValue() >= now) {
                if (!nodes.containsKey(node)) {
                    load(redis, node);
                }
            } else if (!orphans.holds(node)) {
                orphan(redis, node);
            }
        }
        for (String node : orphans.review(redis)) {
            NodeRoutes n = nodes.get(node);
            if (n != null && n.dead) {
                n.replace(orphans.fields(node));
            }
        }
        checkDeadInboxes(redis, now);
        long forgotten = now - FORGET_AFTER_LEASES * lease.toMillis();
        for (Map.Entry<String, Double> lease : leases.entrySet()) {
            if (lease.getValue() < forgotten && orphans.forget(redis, lease.getKey(), forgotten)) {
                drop(lease.getKey());
                LOG.info("node {} silent for {} leases, none of its persistent sessions left: its routes and inbox are deleted",
                        lease.getKey(), FORGET_AFTER_LEASES);
            }
        }
    }

    /**
     * Stops following, then ends this node's lease now: the others stop counting it at once and treat it as a node
     * whose lease ended (its persistent sessions' routes stay, to its inbox), and its id is free for its restart.
     */
    @Override
    public void close() {
        super.close();
        try (var own = store.connectOwn()) {
            ownLease.end(own.sync(), clock.millis());
        } catch (RuntimeException e) {
            LOG.info("could not end this node's lease at stop (the others see it end within {}): {}", lease,
                    e.toString());
        }
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }
}
