package io.edgeauth.broker.cluster;

import io.edgeauth.broker.mqtt.persist.PersistedSession;
import io.edgeauth.broker.mqtt.persist.SessionHome;
import io.edgeauth.broker.router.RoutedMessage;
import io.edgeauth.broker.store.redis.RedisStore;
import io.lettuce.core.ScriptOutputType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis side of {@link SessionMobility}: one Lua script per step, so each is atomic against claims made
 * by other nodes. A copy that Redis refuses (an outage) is retried every second until it is in; the
 * acknowledgement it held back goes out after the first failure (the local journal has the message), so
 * live sessions carry on while Redis is out, as the outage policy promises.
 */
final class SessionScripts {
    private static final Logger LOG = LoggerFactory.getLogger(SessionScripts.class);
    static final String SESSION_PREFIX = RedisStore.PREFIX + "mqtt-session:";
    static final String QUEUE_PREFIX = RedisStore.PREFIX + "mqtt-queue:";

    /**
     * KEYS: hash, stream. ARGV: me, principal, clean, heldHere, inbox prefix, session key, inbox bound, owned-set
     * prefix, route feed, route feed bound, salvage time (ms). When another node owned the session, the reply also
     * names where that node's inbox was unread at the claim (the first entry its group had not acknowledged, "-"
     * without a group), for {@link InboxSalvage}; the session moves from that node's set of owned sessions to ours
     * (a mark keeps that node's inbox from being forgotten while we read it), and a route feed entry {@code d}
     * tells the nodes that route to a dead owner's inbox for it ({@link OrphanedSessions}) to stop.
     */
    private static final String CLAIM = """
            local function unread(inbox)
              local ok, groups = pcall(redis.call, 'XINFO', 'GROUPS', inbox)
              if not ok then return '-' end
              for _, g in ipairs(groups) do
                local name, last
                for i = 1, #g, 2 do
                  if g[i] == 'name' then name = g[i + 1] elseif g[i] == 'last-delivered-id' then last = g[i + 1] end
                end
                if name == 'ea' then
                  local pending = redis.call('XPENDING', inbox, 'ea')
                  if pending[1] > 0 then return pending[2] end
                  return '(' .. last
                end
              end
              return '-'
            end
            local principal = redis.call('HGET', KEYS[1], 'principal')
            if principal and principal ~= ARGV[2] then return {'refused'} end
            local old = redis.call('HGET', KEYS[1], 'owner') or ''
            local epoch = redis.call('HINCRBY', KEYS[1], 'epoch', 1)
            redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'principal', ARGV[2])
            redis.call('PERSIST', KEYS[1])
            redis.call('PERSIST', KEYS[2])
            redis.call('SADD', ARGV[8] .. ARGV[1], ARGV[6])
            local from = ''
            if old ~= '' and old ~= ARGV[1] then
              from = unread(ARGV[5] .. old)
              redis.call('XADD', ARGV[5] .. old, 'MAXLEN', '~', ARGV[7], '*', 't', ARGV[6], 'e', epoch)
              redis.call('SREM', ARGV[8] .. old, ARGV[6])
              redis.call('SET', ARGV[8] .. old .. ':claimed', '1', 'PX', ARGV[11])
              redis.call('XADD', ARGV[9], 'MAXLEN', '~', ARGV[10], '*', 'n', old, 'o', 'd', 'r', ARGV[6])
            end
            if ARGV[3] == '1' then
              redis.call('DEL', KEYS[2])
              redis.call('HDEL', KEYS[1], 'desc')
              return {'granted', old, epoch, '', {}, ''}
            end
            if old == ARGV[1] and ARGV[4] == '1' then return {'granted', old, epoch, '', {}, ''} end
            local desc = redis.call('HGET', KEYS[1], 'desc') or ''
            return {'granted', old, epoch, desc, redis.call('XRANGE', KEYS[2], '-', '+'), from}
            """;
    /** KEYS: hash, stream. ARGV: me, record, queue bound, inbox prefix, session key, inbox bound. */
    private static final String APPEND = """
            local owner = redis.call('HGET', KEYS[1], 'owner')
            if owner == ARGV[1] then
              return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'm', ARGV[2])
            end
            if owner then
              redis.call('XADD', ARGV[4] .. owner, 'MAXLEN', '~', ARGV[6], '*', 'm', ARGV[2], 's', ARGV[5])
              return 'forwarded'
            end
            return 'gone'
            """;
    /** KEYS: hash, stream. ARGV: me. Empties the stream of a session this node owns: its journal copies it again. */
    private static final String RELOAD = """
            if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return {} end
            local desc = redis.call('HGET', KEYS[1], 'desc')
            if not desc then return {} end
            redis.call('DEL', KEYS[2])
            return {redis.call('HGET', KEYS[1], 'epoch'), desc, {}}
            """;
    /** KEYS: hash. ARGV: me, description. */
    private static final String DESCRIBE = """
            if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] then redis.call('HSET', KEYS[1], 'desc', ARGV[2]) end
            return 1
            """;
    /**
     * KEYS: hash, stream. ARGV: me, owned set, session key, connected, our epoch. Undoes what others did taking us for
     * dead; a connected session whose entry Redis lost is ours again (its description follows with the next save).
     * 0: Redis names another owner, or none for a session whose client is away.
     */
    private static final String REASSERT = """
            local owner = redis.call('HGET', KEYS[1], 'owner')
            if not owner and ARGV[4] == '1' then
              redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'epoch', ARGV[5])
            elseif owner ~= ARGV[1] then
              return 0
            end
            redis.call('SADD', ARGV[2], ARGV[3])
            if ARGV[4] == '1' then
              redis.call('PERSIST', KEYS[1])
              redis.call('PERSIST', KEYS[2])
            end
            return 1
            """;
    /** KEYS: hash, stream. ARGV: me, owned set, session key, ttl in ms (absent: delete). */
    private static final String IF_OWNED = """
            if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
            if ARGV[4] then
              redis.call('PEXPIRE', KEYS[1], ARGV[4])
              redis.call('PEXPIRE', KEYS[2], ARGV[4])
            else
              redis.call('DEL', KEYS[1], KEYS[2])
              redis.call('SREM', ARGV[2], ARGV[3])
            end
            return 1
            """;

    private final RedisStore store;
    private final byte[] me;
    private final byte[] queueBound;
    private final byte[] inboxBound;
    private final byte[] inboxPrefix = Inbox.key("").getBytes(StandardCharsets.UTF_8);
    private final byte[] ownedPrefix = OrphanedSessions.ownedKey("").getBytes(StandardCharsets.UTF_8);
    private final byte[] owned;
    private final byte[] routeFeed = RouteAnnouncer.FEED.getBytes(StandardCharsets.UTF_8);
    private final byte[] routeFeedBound;
    private static final byte[] SALVAGE_MILLIS = bytes(Long.toString(OrphanedSessions.SALVAGE_MILLIS));
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "edgeauth-session-copy-retry");
        t.setDaemon(true);
        return t;
    });

    SessionScripts(RedisStore store, String nodeId, int queueLength, int inboxLength, int feedLength) {
        this.store = store;
        this.me = bytes(nodeId);
        this.owned = bytes(OrphanedSessions.ownedKey(nodeId));
        this.routeFeedBound = bytes(Integer.toString(feedLength));
        this.queueBound = bytes(Integer.toString(queueLength));
        this.inboxBound = bytes(Integer.toString(inboxLength));
    }

    /**
     * A claim's outcome as Redis gave it; {@code unreadFrom}: the first entry of the previous owner's inbox it had
     * not acknowledged (inclusive; null when no other node owned the session or it was a clean start).
     */
    record Claimed(SessionHome.Claim claim, String previousOwner, long epoch, String unreadFrom) {
        boolean refused() {
            return claim.refused();
        }
    }

    /** A session this node owns, as Redis holds it. */
    record Owned(SessionHome.Claim claim, long epoch) {
    }

    CompletableFuture<Claimed> claim(String key, String principal, boolean cleanStart, boolean heldHere) {
        return store.replicated(store.async().eval(CLAIM, ScriptOutputType.MULTI, keys(key), me, bytes(principal),
                flag(cleanStart), flag(heldHere), inboxPrefix, bytes(key), inboxBound, ownedPrefix, routeFeed,
                routeFeedBound, SALVAGE_MILLIS))
                .thenApply(reply -> claimed((List<?>) reply));
    }

    private Claimed claimed(List<?> reply) {
        if (!"granted".equals(text(reply.get(0)))) {
            return new Claimed(new SessionHome.Claim(true, null, List.of()), null, 0, null);
        }
        String old = text(reply.get(1));
        long epoch = (Long) reply.get(2);
        byte[] desc = (byte[]) reply.get(3);
        PersistedSession moved = desc.length == 0 ? null : PersistedSession.fromBytes(desc);
        List<SessionHome.Entry> owed = moved == null ? List.of() : entries((List<?>) reply.get(4));
        String from = text(reply.get(5));
        String unreadFrom = from.isEmpty() ? null : from.startsWith("(") ? InboxSalvage.after(from.substring(1)) : from;
        return new Claimed(new SessionHome.Claim(false, moved, owed), old.isEmpty() ? null : old, epoch, unreadFrom);
    }

    /**
     * Synchronous (start-up only): the session's description if this node still owns it, its stream emptied
     * (the node's journal holds every message the stream held, and more when Redis was out: it copies them again).
     */
    Optional<Owned> reload(String key) {
        List<?> reply;
        try {
            reply = (List<?>) store.async().eval(RELOAD, ScriptOutputType.MULTI, keys(key), me).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reloading MQTT sessions", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot reload MQTT sessions from Redis: " + e.getMessage(), e);
        }
        if (reply.isEmpty()) {
            return Optional.empty();
        }
        long epoch = Long.parseLong(text(reply.get(0)));
        PersistedSession session = PersistedSession.fromBytes((byte[]) reply.get(1));
        return Optional.of(new Owned(new SessionHome.Claim(false, session, entries((List<?>) reply.get(2))), epoch));
    }

    /**
     * Copies a message to the session's stream while this node owns it, else forwards it to the owner's inbox;
     * completes with the stream id (null when forwarded, or dropped because the session is gone everywhere).
     */
    CompletableFuture<String> append(String key, RoutedMessage message) {
        return append(key, message, new CompletableFuture<>());
    }

    /**
     * {@link #append(String, RoutedMessage)} that also completes {@code settled} after the first attempt, made or
     * failed: a failed copy is retried in the background meanwhile.
     */
    CompletableFuture<String> append(String key, RoutedMessage message, CompletableFuture<Void> settled) {
        CompletableFuture<String> done = new CompletableFuture<>();
        done.whenComplete((id, failure) -> settled.complete(null));
        append(key, MessageCodec.encode(message), done, settled);
        return done;
    }

    private void append(String key, byte[] record, CompletableFuture<String> done, CompletableFuture<Void> settled) {
        store.replicated(store.async().eval(APPEND, ScriptOutputType.VALUE, keys(key), me, record, queueBound,
                inboxPrefix, bytes(key), inboxBound)).whenComplete((reply, failure) -> {
                    if (failure != null) {
                        store.report("session-copy", failure);
                        settled.complete(null);
                        retries.schedule(() -> append(key, record, done, settled), 1, TimeUnit.SECONDS);
                        return;
                    }
                    String answer = text(reply);
                    if ("gone".equals(answer)) {
                        SessionMobility.logDropped(key, "the session ended on every node");
                    }
                    done.complete(answer.contains("-") ? answer : null);
                });
    }

    void describe(String key, byte[] description) {
        watch("session-describe", store.async().eval(DESCRIBE, ScriptOutputType.INTEGER, new String[] {hashKey(key)},
                me, description).toCompletableFuture());
    }

    void expireIfOwned(String key, long ttlMillis) {
        watch("session-offline", store.async().eval(IF_OWNED, ScriptOutputType.INTEGER, keys(key), me, owned, bytes(key),
                bytes(Long.toString(ttlMillis))).toCompletableFuture());
    }

    /**
     * A session this node holds is its own again after others took the node for dead, or Redis lost its entry while
     * its client is connected; a connected one has no expiry. Completes with false when Redis names another owner, or
     * none for a session whose client is away: it is not this node's any more.
     */
    CompletableFuture<Boolean> reassert(String key, boolean connected, long epoch) {
        CompletableFuture<Object> reply = store.async().eval(REASSERT, ScriptOutputType.INTEGER, keys(key), me, owned,
                bytes(key), flag(connected), bytes(Long.toString(epoch))).toCompletableFuture();
        watch("session-reassert", reply);
        return reply.thenApply(r -> Long.valueOf(1).equals(r));
    }

    void deleteIfOwned(String key) {
        watch("session-end", store.async().eval(IF_OWNED, ScriptOutputType.INTEGER, keys(key), me, owned, bytes(key))
                .toCompletableFuture());
    }

    /** Removes a message the session no longer owes from its stream (a leftover is sent again after a move). */
    void delete(String key, String streamId) {
        watch("session-remove", store.async().xdel(QUEUE_PREFIX + key, streamId).toCompletableFuture());
    }

    private void watch(String operation, CompletableFuture<?> command) {
        command.whenComplete((ok, failure) -> {
            if (failure != null) {
                store.report(operation, failure);
                LOG.debug("{} failed: {}", operation, failure.toString());
            }
        });
    }

    private static List<SessionHome.Entry> entries(List<?> xrange) {
        List<SessionHome.Entry> out = new ArrayList<>(xrange.size());
        for (Object o : xrange) {
            List<?> entry = (List<?>) o;
            List<?> fields = (List<?>) entry.get(1);
            for (int i = 0; i + 1 < fields.size(); i += 2) {
                if ("m".equals(text(fields.get(i)))) {
                    try {
                        out.add(new SessionHome.Entry(text(entry.get(0)), MessageCodec.decode((byte[]) fields.get(i + 1))));
                    } catch (IllegalArgumentException e) {
                        LOG.warn("queued message {} of an MQTT session is not a message record: skipped", text(entry.get(0)));
                    }
                }
            }
        }
        return out;
    }

    private static String[] keys(String key) {
        return new String[] {hashKey(key), QUEUE_PREFIX + key};
    }

    private static String hashKey(String key) {
        return SESSION_PREFIX + key;
    }

    private static byte[] flag(boolean b) {
        return bytes(b ? "1" : "0");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }

    void close() {
        retries.shutdownNow();
    }
}
