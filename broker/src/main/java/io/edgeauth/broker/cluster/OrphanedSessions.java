package io.edgeauth.broker.cluster;

import io.edgeauth.broker.mqtt.persist.PersistedSession;
import io.edgeauth.broker.store.redis.RedisStore;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The persistent MQTT sessions of nodes whose lease ended, as one surviving node routes for them: their (tenant,
 * filter) routes stay pointed at the dead node's inbox, which holds their QoS 1 and 2 messages until a node claims
 * the session ({@link InboxSalvage} then takes them) or the session expires. Each survivor derives this on its own
 * from Redis (no node adopts anything, so there is nobody to elect): the set {@code ea:node-sessions:<node>} of the
 * sessions a node owns (kept by the claim and end scripts of {@link SessionScripts}) and each session's
 * description (its subscriptions). A session stops being routed to the dead node when another node claims it
 * (the claim's route feed entry {@code d}, after {@link #DEPART_GRACE_MILLIS}) or when its Redis entry is gone
 * (expired). Used by the route table's thread only.
 */
final class OrphanedSessions {
    private static final Logger LOG = LoggerFactory.getLogger(OrphanedSessions.class);
    /**
     * How long a claimed session is still routed to the dead node: until the claimant's own route reached every
     * node (one stream read; it is announced just after the claim), and shorter than {@link InboxSalvage}'s
     * second pass, which takes what arrived in the dead node's inbox meanwhile.
     */
    static final long DEPART_GRACE_MILLIS = 2000;
    /**
     * How long after a claim the previous owner's inbox is kept for the claimant's {@link InboxSalvage} (its two
     * passes, and its retries while Redis fails), even once none of that node's sessions is left.
     */
    static final long SALVAGE_MILLIS = (InboxSalvage.SECOND_PASS_SECONDS + InboxSalvage.MAX_ATTEMPTS) * 1000 * 2;
    /**
     * KEYS: owned set. ARGV: node, session prefix, queue prefix, ttl (ms) for sessions without a description.
     * The node's persistent sessions as {key, description, ttl}; drops from the set what the node no longer owns,
     * and gives a session without a description (clean, expiry 0: nothing to keep) an expiry if it had none.
     */
    private static final String LIST = """
            local out = {}
            for _, key in ipairs(redis.call('SMEMBERS', KEYS[1])) do
              local h = ARGV[2] .. key
              if redis.call('HGET', h, 'owner') ~= ARGV[1] then
                redis.call('SREM', KEYS[1], key)
              else
                local desc = redis.call('HGET', h, 'desc')
                if desc then
                  table.insert(out, {key, desc, redis.call('PTTL', h)})
                else
                  if redis.call('PTTL', h) == -1 then
                    redis.call('PEXPIRE', h, ARGV[4])
                    redis.call('PEXPIRE', ARGV[3] .. key, ARGV[4])
                  end
                  redis.call('SREM', KEYS[1], key)
                end
              end
            end
            return out
            """;
    /**
     * KEYS: hash, stream. ARGV: node, ttl (ms, 0: none). The session's remaining life while {@code node} owns it (-2
     * when it is gone or another node's, -1 without expiry); a session its node left connected when it died has no
     * expiry yet: it gets one, counted from now (the first survivor to ask sets it, the others find it set).
     */
    private static final String EXPIRE = """
            if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return -2 end
            if redis.call('PTTL', KEYS[1]) == -1 and ARGV[2] ~= '0' then
              redis.call('PEXPIRE', KEYS[1], ARGV[2])
              redis.call('PEXPIRE', KEYS[2], ARGV[2])
            end
            return redis.call('PTTL', KEYS[1])
            """;
    /**
     * KEYS: nodes, owned set, routes, inbox, inbox loss count, claim mark. ARGV: node, lease end before which it may
     * go, session prefix. Forgets a node long dead only once none of its sessions is left to claim and no claimant
     * is reading its inbox: 1 if forgotten.
     */
    private static final String FORGET = """
            local lease = redis.call('ZSCORE', KEYS[1], ARGV[1])
            if not lease or tonumber(lease) > tonumber(ARGV[2]) then return 0 end
            if redis.call('EXISTS', KEYS[6]) == 1 then return 0 end
            for _, key in ipairs(redis.call('SMEMBERS', KEYS[2])) do
              if redis.call('HGET', ARGV[3] .. key, 'owner') == ARGV[1] then return 0 end
              redis.call('SREM', KEYS[2], key)
            end
            redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
            redis.call('ZREM', KEYS[1], ARGV[1])
            return 1
            """;

    private final RedisStore store;
    private final Clock clock;
    /** Dead node to its persistent sessions routed here. */
    private final Map<String, Map<String, Orphan>> byNode = new HashMap<>();
    private volatile int count;

    /** One dead node's session: its route fields and when to look again whether it still exists. */
    private static final class Orphan {
        final Set<String> fields;
        long checkAt;

        Orphan(Set<String> fields, long checkAt) {
            this.fields = fields;
            this.checkAt = checkAt;
        }
    }

    OrphanedSessions(RedisStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** The set of the sessions {@code node} owns. */
    static String ownedKey(String node) {
        return RedisStore.PREFIX + "node-sessions:" + node;
    }

    /** Reads the dead {@code node}'s persistent sessions from Redis (replacing what was known) and returns their routes. */
    Set<String> load(RedisCommands<String, byte[]> redis, String node) {
        List<?> listed = redis.eval(LIST, ScriptOutputType.MULTI, new String[] {ownedKey(node)}, bytes(node),
                bytes(SessionScripts.SESSION_PREFIX), bytes(SessionScripts.QUEUE_PREFIX),
                bytes(Long.toString(SessionMobility.EXPIRY_MARGIN_MILLIS)));
        Map<String, Orphan> sessions = new HashMap<>();
        Map<String, RedisFuture<Long>> expiring = new HashMap<>(); // sent together: one round trip for them all
        Map<String, Set<String>> routesOf = new HashMap<>();
        for (Object o : listed) {
            List<?> entry = (List<?>) o;
            String key = text(entry.get(0));
            PersistedSession session;
            try {
                session = PersistedSession.fromBytes((byte[]) entry.get(1));
            } catch (IllegalArgumentException e) {
                LOG.warn("session {} of dead node {} has no readable description: not routed", SessionMobility.printable(key), node);
                continue;
            }
            long ttl = (Long) entry.get(2);
            routesOf.put(key, fields(session));
            if (ttl == -1) {
                expiring.put(key, store.async().eval(EXPIRE, ScriptOutputType.INTEGER, expireKeys(key), bytes(node),
                        bytes(Long.toString(session.expirySeconds() * 1000 + SessionMobility.EXPIRY_MARGIN_MILLIS))));
            } else {
                sessions.put(key, new Orphan(routesOf.get(key), clock.millis() + ttl));
            }
        }
        for (Map.Entry<String, RedisFuture<Long>> e : expiring.entrySet()) {
            long ttl = await(e.getValue());
            if (ttl != -2) {
                sessions.put(e.getKey(), new Orphan(routesOf.get(e.getKey()), clock.millis() + Math.max(ttl, 0)));
            }
        }
        byNode.put(node, sessions);
        count();
        return fields(node);
    }

    private static long await(RedisFuture<Long> ttl) {
        try {
            return ttl.get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("expiry of a dead node's session failed: " + e.getMessage(), e);
        }
    }

    private long expire(RedisCommands<String, byte[]> redis, String node, String key, long ttlMillis) {
        return redis.eval(EXPIRE, ScriptOutputType.INTEGER, expireKeys(key), bytes(node), bytes(Long.toString(ttlMillis)));
    }

    private static String[] expireKeys(String key) {
        return new String[] {SessionScripts.SESSION_PREFIX + key, SessionScripts.QUEUE_PREFIX + key};
    }

    /** How many of the dead {@code node}'s persistent sessions are routed here. */
    int sessions(String node) {
        return byNode.getOrDefault(node, Map.of()).size();
    }

    /** Whether {@code node}'s sessions are routed here (it is dead and known so). */
    boolean holds(String node) {
        return byNode.containsKey(node);
    }

    /** The route fields of {@code node}'s persistent sessions: each session's non-shared QoS 1 and 2 filters. */
    Set<String> fields(String node) {
        Set<String> all = new HashSet<>();
        byNode.getOrDefault(node, Map.of()).values().forEach(o -> all.addAll(o.fields));
        return all;
    }

    /** Another node claimed {@code key} from the dead {@code node}: stop routing it there after the grace. */
    void departed(String node, String key) {
        Orphan orphan = byNode.getOrDefault(node, Map.of()).get(key);
        if (orphan != null) {
            orphan.checkAt = Math.min(orphan.checkAt, clock.millis() + DEPART_GRACE_MILLIS);
        }
    }

    /**
     * Looks again at each session whose time came (expiry passed, or claimed and its grace over): drops those no
     * longer the dead node's. Returns the nodes whose routes changed.
     */
    Set<String> review(RedisCommands<String, byte[]> redis) {
        long now = clock.millis();
        Set<String> changed = new HashSet<>();
        for (Map.Entry<String, Map<String, Orphan>> node : byNode.entrySet()) {
            for (Iterator<Map.Entry<String, Orphan>> it = node.getValue().entrySet().iterator(); it.hasNext();) {
                Map.Entry<String, Orphan> session = it.next();
                if (session.getValue().checkAt > now) {
                    continue;
                }
                long ttl = expire(redis, node.getKey(), session.getKey(), 0);
                if (ttl == -2) {
                    it.remove();
                    changed.add(node.getKey());
                } else {
                    session.getValue().checkAt = now + Math.max(ttl, 1000); // -1: claimed back, look again
                }
            }
        }
        count();
        return changed;
    }

    /** {@code node} is back, or forgotten: nothing of it routed from here any more. */
    void release(String node) {
        if (byNode.remove(node) != null) {
            count();
        }
    }

    /** Persistent sessions of dead nodes routed by this node now (a gauge: read on any thread). */
    int size() {
        return count;
    }

    private void count() {
        count = byNode.values().stream().mapToInt(Map::size).sum();
    }

    /**
     * Deletes what a node whose lease ended before {@code leaseEndedBefore} left in Redis (routes, inbox, lease),
     * unless one of its persistent sessions is still there to be claimed. True if it was forgotten.
     */
    boolean forget(RedisCommands<String, byte[]> redis, String node, long leaseEndedBefore) {
        Long done = redis.eval(FORGET, ScriptOutputType.INTEGER, new String[] {RouteTable.NODES, ownedKey(node),
                RouteAnnouncer.routesKey(node), Inbox.key(node), Inbox.key(node) + ":lost", ownedKey(node) + ":claimed"},
                bytes(node),
                bytes(Long.toString(leaseEndedBefore)), bytes(SessionScripts.SESSION_PREFIX));
        return done == 1;
    }

    private static Set<String> fields(PersistedSession session) {
        Set<String> fields = new HashSet<>();
        session.subscriptions().forEach((filter, options) -> {
            if (PersistedSession.qos(options) > 0 && !filter.startsWith("$share/")) {
                fields.add(RouteAnnouncer.field(session.tenant(), filter));
            }
        });
        return fields;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }
}
