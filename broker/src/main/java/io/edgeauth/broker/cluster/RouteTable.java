package io.edgeauth.broker.cluster;

import io.edgeauth.broker.router.SharedFilter;
import io.edgeauth.broker.router.Subscription;
import io.edgeauth.broker.router.TopicRouter;
import io.edgeauth.broker.store.redis.RedisStore;
import io.lettuce.core.Range;
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
 * After any Redis failure it reloads everything (the stream may have been trimmed meanwhile). A node
 * whose lease ended {@value #FORGET_AFTER_LEASES} leases ago is forgotten in Redis too (its hash, inbox
 * and lease entry).
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
    private String lastId = "0-0";
    private long nextHousekeeping;

    /** One remote node's routes: the subscriptions made for it in the router, by hash field. */
    private final class NodeRoutes {
        final String id;
        final RemoteNode plain;
        final Map<String, RemoteNode> shares = new HashMap<>();
        final Map<String, Subscription> subscriptions = new HashMap<>();

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
               int inboxLength, Duration lease, Clock clock) {
        super(store, "edgeauth-cluster-routes");
        this.self = self;
        this.router = router;
        this.announcer = announcer;
        this.metrics = metrics;
        this.inboxLength = inboxLength;
        this.lease = lease;
        this.clock = clock;
    }

    /** Renews this node's lease and loads the others' routes before following starts. */
    @Override
    void prepare(RedisCommands<String, byte[]> redis) {
        renewLease(redis);
        loadAll(redis);
    }

    /** Remote nodes with routes here now (tests, health). */
    Set<String> remoteNodes() {
        return Set.copyOf(nodes.keySet());
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
                backoff = 50;
            } catch (RedisException | IllegalStateException e) {
                if (closed) {
                    return;
                }
                store.report("routes-follow", e);
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
        Set<String> live = liveNodes(redis);
        for (String node : Set.copyOf(nodes.keySet())) {
            if (!live.contains(node)) {
                drop(node);
            }
        }
        for (String node : live) {
            load(redis, node);
        }
    }

    private void load(RedisCommands<String, byte[]> redis, String node) {
        if (node.equals(self)) {
            return;
        }
        Set<String> fields = new HashSet<>(redis.hkeys(RouteAnnouncer.routesKey(node)));
        routes(node).replace(fields);
    }

    private void drop(String node) {
        NodeRoutes gone = nodes.remove(node);
        if (gone != null) {
            gone.replace(Set.of());
            LOG.info("node {} is gone (lease ended): its routes are dropped", node);
        }
    }

    private Set<String> liveNodes(RedisCommands<String, byte[]> redis) {
        Set<String> live = new HashSet<>();
        for (byte[] member : redis.zrangebyscore(NODES, Range.create((double) clock.millis(), Double.POSITIVE_INFINITY))) {
            live.add(new String(member, StandardCharsets.UTF_8));
        }
        live.remove(self);
        return live;
    }

    private void renewLease(RedisCommands<String, byte[]> redis) {
        redis.zadd(NODES, (double) (clock.millis() + lease.toMillis()), self.getBytes(StandardCharsets.UTF_8));
    }

    /** Once a second: this node's lease, lost route changes, nodes that came or went, long-dead nodes. */
    private void housekeeping(RedisCommands<String, byte[]> redis) {
        nextHousekeeping = clock.millis() + 1000;
        renewLease(redis);
        announcer.resendIfDirty();
        Set<String> live = liveNodes(redis);
        for (String node : Set.copyOf(nodes.keySet())) {
            if (!live.contains(node)) {
                drop(node);
            }
        }
        for (String node : live) {
            if (!nodes.containsKey(node)) {
                load(redis, node);
            }
        }
        double forgotten = clock.millis() - (double) FORGET_AFTER_LEASES * lease.toMillis();
        for (byte[] member : redis.zrangebyscore(NODES, Range.create(Double.NEGATIVE_INFINITY, forgotten))) {
            String node = new String(member, StandardCharsets.UTF_8);
            redis.del(RouteAnnouncer.routesKey(node), Inbox.key(node), Inbox.key(node) + ":lost");
            redis.zrem(NODES, member);
            LOG.info("node {} silent for {} leases: its routes and inbox are deleted", node, FORGET_AFTER_LEASES);
        }
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }
}
