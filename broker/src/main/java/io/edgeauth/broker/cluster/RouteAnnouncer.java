package io.edgeauth.broker.cluster;

import io.edgeauth.broker.router.ClusterLink;
import io.edgeauth.broker.router.RoutedMessage;
import io.edgeauth.broker.store.ChangeFeed;
import io.edgeauth.broker.store.redis.RedisStore;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * This node's side of the route table: the (tenant, filter) pairs its own subscribers hold, counted, so
 * that only a pair's first subscription and its last unsubscription reach Redis. Each change is one Lua
 * script that updates the node's hash {@code ea:routes:<node>} and appends to {@code ea:feed:routes}
 * together, so a node following the stream never sees one without the other. A change Redis refused
 * (an outage) marks the table dirty; {@link #resendIfDirty} (called every second) then replaces the
 * whole hash in one script and appends a "snapshot" entry that makes the other nodes reload it. Also
 * shares retained messages through the change feed {@code retained}.
 */
final class RouteAnnouncer implements ClusterLink {
    static final String FEED = RedisStore.PREFIX + "feed:routes";
    static final String RETAINED_FEED = "retained";
    private static final String ADD = "redis.call('HSET', KEYS[1], ARGV[1], '1')"
            + " return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'n', ARGV[2], 'o', 'a', 'r', ARGV[1])";
    private static final String REMOVE = "redis.call('HDEL', KEYS[1], ARGV[1])"
            + " return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'n', ARGV[2], 'o', 'r', 'r', ARGV[1])";
    private static final String SNAPSHOT = "redis.call('DEL', KEYS[1])"
            + " for i = 3, #ARGV do redis.call('HSET', KEYS[1], ARGV[i], '1') end"
            + " return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'n', ARGV[1], 'o', 's')";

    private final RedisStore store;
    private final ChangeFeed feed;
    private final String nodeId;
    private final byte[] node;
    private final byte[] feedLength;
    private final ConcurrentHashMap<String, Integer> counts = new ConcurrentHashMap<>();
    /** Changes take it shared, a snapshot exclusively: no change slips between a snapshot's read and its send. */
    private final ReadWriteLock snapshotLock = new ReentrantReadWriteLock();
    private volatile boolean dirty = true;
    /** Set once the edges restored their sessions: a snapshot before would withdraw their routes for a while. */
    private volatile boolean announcing;

    RouteAnnouncer(RedisStore store, String nodeId, int feedLength) {
        this.store = store;
        this.feed = store.feed();
        this.nodeId = nodeId;
        this.node = bytes(nodeId);
        this.feedLength = bytes(Integer.toString(feedLength));
    }

    static String routesKey(String nodeId) {
        return RedisStore.PREFIX + "routes:" + nodeId;
    }

    /** The hash field of a route: tenant ids never hold a slash, so the first one ends the tenant. */
    static String field(String tenant, String filter) {
        return tenant + "/" + filter;
    }

    @Override
    public void subscribed(String tenant, String filter) {
        change(field(tenant, filter), +1);
    }

    @Override
    public void unsubscribed(String tenant, String filter) {
        change(field(tenant, filter), -1);
    }

    private void change(String field, int delta) {
        snapshotLock.readLock().lock();
        try {
            // sent inside compute: the changes of one field leave in the order they were counted
            counts.compute(field, (k, count) -> {
                int now = (count == null ? 0 : count) + delta;
                if (now > 0 && (count == null || count == 0)) {
                    send(ADD, k);
                } else if (now <= 0 && count != null && count > 0) {
                    send(REMOVE, k);
                }
                return now > 0 ? now : null;
            });
        } finally {
            snapshotLock.readLock().unlock();
        }
    }

    private void send(String script, String field) {
        watch("routes", store.async().eval(script, ScriptOutputType.VALUE, new String[] {routesKey(nodeId), FEED},
                bytes(field), node, feedLength));
    }

    /** Replaces this node's hash with what it holds now and tells the others to reload it. Blocks until sent. */
    void sendSnapshot() {
        snapshotLock.writeLock().lock();
        try {
            dirty = false;
            List<byte[]> args = new ArrayList<>(counts.size() + 2);
            args.add(node);
            args.add(feedLength);
            counts.keySet().forEach(k -> args.add(bytes(k)));
            store.async().eval(SNAPSHOT, ScriptOutputType.VALUE, new String[] {routesKey(nodeId), FEED},
                    args.toArray(byte[][]::new)).get(); // under the lock: changes wait until it is queued and done
        } catch (Exception e) {
            dirty = true;
            store.report("routes", e);
            throw new IllegalStateException("route snapshot failed: " + e.getMessage(), e);
        } finally {
            snapshotLock.writeLock().unlock();
        }
    }

    /**
     * Replaces what a previous run of this node left in its hash with the routes it holds now (the edges
     * have restored their persistent sessions by then), and from now on resends after lost changes.
     */
    void startAnnouncing() {
        announcing = true;
        try {
            sendSnapshot();
        } catch (IllegalStateException e) {
            // Redis out right now: dirty stays set, the follower's next housekeeping sends it
        }
    }

    /** Sends a snapshot if a change was lost to an outage. */
    void resendIfDirty() {
        if (dirty && announcing) {
            sendSnapshot();
        }
    }

    /** The (tenant, filter) pairs this node announces now. */
    int size() {
        return counts.size();
    }

    @Override
    public CompletableFuture<Void> retained(RoutedMessage message) {
        String key = field(message.tenant(), message.topic());
        return message.payload().length == 0 ? feed.removeAsync(RETAINED_FEED, RETAINED_FEED, key)
                : feed.putAsync(RETAINED_FEED, RETAINED_FEED, key, MessageCodec.encode(message), null);
    }

    private void watch(String operation, RedisFuture<?> command) {
        command.whenComplete((ok, failure) -> {
            if (failure != null) {
                dirty = true;
                store.report(operation, failure);
            }
        });
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
