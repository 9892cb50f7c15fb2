package io.edgeauth.broker.store.redis;

import io.edgeauth.broker.store.ChangeFeed;
import io.edgeauth.broker.store.StoreUnavailableException;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ChangeFeed} on Redis streams {@code ea:feed:<name>}, bounded with {@code MAXLEN ~}. A
 * write and its stream entry go through one Lua script, so no node can see one without the other. One
 * reader thread per node follows every feed with a blocking {@code XREAD} from the last id it
 * delivered: after a disconnect it resumes there and loses nothing; the history's bound is checked on
 * each reconnect, whenever a read comes back full, and every 10 s (a {@code FLUSHALL} drops no connection) with
 * {@code XINFO STREAM}: if entries after the
 * last delivered one were trimmed, or the stream went back or the {@link DataEpoch} marker is gone (Redis lost its
 * data), the follower resyncs from the store. Successful reads mark Redis healthy, failures an outage.
 */
final class RedisChangeFeed implements ChangeFeed, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisChangeFeed.class);
    static final String STREAM_PREFIX = RedisStore.PREFIX + "feed:";
    private static final int READ_BATCH = 1000;
    private static final String PUT = "if ARGV[2] == '' then redis.call('SET', KEYS[1], ARGV[1])"
            + " else redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end"
            + " return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'k', ARGV[4], 'v', ARGV[1])";
    private static final String PUT_IF_ABSENT = "if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end"
            + " if ARGV[2] == '' then redis.call('SET', KEYS[1], ARGV[1])"
            + " else redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end"
            + " redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'k', ARGV[4], 'v', ARGV[1]) return 1";
    /** The check of REPLACE_IF and PUT_IF_UNCHANGED: ARGV[1] '0' expects no value, '1' the value ARGV[2]. */
    private static final String UNCHANGED = "local cur = redis.call('GET', KEYS[1])"
            + " if ARGV[1] == '0' then if cur then return 0 end elseif cur ~= ARGV[2] then return 0 end";
    /** {@link io.edgeauth.broker.store.Store#replaceIf}: ARGV[3] the new value. */
    static final String REPLACE_IF = UNCHANGED + " redis.call('SET', KEYS[1], ARGV[3]) return 1";
    /**
     * {@link #putIfUnchanged} and {@link #putIfUnchangedAsync}: ARGV[3] the new value ('' with ARGV[4] '1': remove),
     * ARGV[5] max length, ARGV[6] the key, ARGV[7] its time to live in ms ('': none).
     */
    private static final String PUT_IF_UNCHANGED = UNCHANGED
            + " if ARGV[4] == '1' then redis.call('DEL', KEYS[1])"
            + " redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', 'k', ARGV[6]) return 1 end"
            + " if ARGV[7] == '' then redis.call('SET', KEYS[1], ARGV[3])"
            + " else redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[7]) end"
            + " redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', 'k', ARGV[6], 'v', ARGV[3]) return 1";
    /** How often the reader checks every stream's history even without a failure (a FLUSHALL drops no connection). */
    private static final long HISTORY_CHECK_MILLIS = 10_000;
    private static final String REMOVE = "redis.call('DEL', KEYS[1])"
            + " return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], '*', 'k', ARGV[2])";

    private final RedisClient client;
    private final RedisCommands<String, byte[]> redis;
    private final RedisHealth health;
    private final Replication replication;
    private final Clock clock;
    private final byte[] maxLength;
    private final Duration block;
    private final Map<String, Follower> followers = new ConcurrentHashMap<>();
    private final DataEpoch epoch;
    private volatile boolean closed;
    private Thread reader;
    private StatefulRedisConnection<String, byte[]> readConnection;

    private static final class Follower {
        final String stream;
        final Consumer<Change> listener;
        final Runnable resync;
        volatile String lastId;
        /** How many entries the stream had ever been given up to and including {@link #lastId}. */
        volatile long position;
        /**
         * A resync is due: Redis lost its data, or a resync began and did not finish (the store failed during it);
         * the next check runs it.
         */
        volatile boolean resyncDue;

        Follower(String stream, Consumer<Change> listener, Runnable resync, StreamState at) {
            this.stream = stream;
            this.listener = listener;
            this.resync = resync;
            this.lastId = at.lastGenerated;
            this.position = at.entriesAdded;
        }
    }

    RedisChangeFeed(RedisClient client, RedisCommands<String, byte[]> redis, RedisSettings settings, RedisHealth health,
                    Clock clock, Replication replication) {
        this.client = client;
        this.replication = replication;
        this.clock = clock;
        this.redis = redis;
        this.health = health;
        this.epoch = new DataEpoch(redis);
        this.maxLength = bytes(Integer.toString(settings.changeStreamLength()));
        // a blocking read must return before the command timeout would call it a failure
        long half = settings.timeout().toMillis() / 2;
        this.block = Duration.ofMillis(Math.max(50, Math.min(1000, half)));
    }

    @Override
    public void put(String feed, String space, String key, byte[] value, Instant expiresAt) {
        String ttl = "";
        if (expiresAt != null) {
            long millis = expiresAt.toEpochMilli() - clock.millis();
            if (millis <= 0) {
                remove(feed, space, key);
                return;
            }
            ttl = Long.toString(millis);
        }
        String px = ttl;
        health.call("feed-put", () -> {
            Object done = redis.eval(PUT, ScriptOutputType.VALUE, new String[] {RedisStore.key(space, key),
                    STREAM_PREFIX + feed}, value, bytes(px), maxLength, bytes(key));
            replication.await(redis); // e.g. a revocation: a failover must not bring the token back
            return done;
        });
    }

    @Override
    public boolean putIfAbsent(String feed, String space, String key, byte[] value, Instant expiresAt) {
        long millis = expiresAt == null ? 0 : expiresAt.toEpochMilli() - clock.millis();
        if (expiresAt != null && millis <= 0) {
            return false; // expired already: nothing to keep
        }
        byte[] px = bytes(expiresAt == null ? "" : Long.toString(millis));
        return health.call("feed-put", () -> {
            Long written = redis.eval(PUT_IF_ABSENT, ScriptOutputType.INTEGER, new String[] {RedisStore.key(space, key),
                    STREAM_PREFIX + feed}, value, px, maxLength, bytes(key));
            replication.await(redis);
            return written != null && written == 1;
        });
    }

    @Override
    public boolean putIfUnchanged(String feed, String space, String key, byte[] expected, byte[] value,
                                  Instant expiresAt) {
        long millis = expiresAt == null ? 0 : expiresAt.toEpochMilli() - clock.millis();
        if (expiresAt != null && millis <= 0) {
            throw new IllegalArgumentException("putIfUnchanged of a value that expired already");
        }
        byte[][] args = putIfUnchangedArgs(key, expected, value, expiresAt == null ? "" : Long.toString(millis));
        return health.call("feed-put", () -> {
            Long written = redis.eval(PUT_IF_UNCHANGED, ScriptOutputType.INTEGER, new String[] {
                    RedisStore.key(space, key), STREAM_PREFIX + feed}, args);
            if (written != null && written == 1) {
                replication.await(redis); // a revocation: a failover must not bring the token back
                return true;
            }
            return false;
        });
    }

    /** The arguments of {@link #UNCHANGED} and the new value. */
    static byte[][] expectedArgs(byte[] expected, byte[] value) {
        return new byte[][] {bytes(expected == null ? "0" : "1"), expected == null ? new byte[0] : expected, value};
    }

    /** The arguments of {@link #PUT_IF_UNCHANGED}; {@code value} null removes. */
    private byte[][] putIfUnchangedArgs(String key, byte[] expected, byte[] value, String ttlMillis) {
        byte[][] check = expectedArgs(expected, value == null ? new byte[0] : value);
        return new byte[][] {check[0], check[1], check[2], bytes(value == null ? "1" : "0"), maxLength, bytes(key),
                bytes(ttlMillis)};
    }

    @Override
    public CompletableFuture<Boolean> putIfUnchangedAsync(String feed, String space, String key, byte[] expected,
                                                          byte[] value) {
        var async = redis.getStatefulConnection().async();
        CompletableFuture<Long> written = async.<Long>eval(PUT_IF_UNCHANGED, ScriptOutputType.INTEGER,
                new String[] {RedisStore.key(space, key), STREAM_PREFIX + feed},
                putIfUnchangedArgs(key, expected, value, "")).toCompletableFuture();
        CompletableFuture<Boolean> result = written.thenCompose(n -> n != null && n == 1
                ? replication.after(async, CompletableFuture.completedFuture(true)) : CompletableFuture.completedFuture(false));
        return result.handle((ok, failure) -> {
            if (failure != null) {
                health.failed("feed-put", failure instanceof Exception e ? e : new RedisException(failure));
                throw new java.util.concurrent.CompletionException(failure);
            }
            health.ok();
            return ok;
        });
    }

    /** The script of {@link #put} on the multiplexed connection without waiting for it (retained messages). */
    @Override
    public CompletableFuture<Void> putAsync(String feed, String space, String key, byte[] value, Instant expiresAt) {
        long millis = expiresAt == null ? 0 : expiresAt.toEpochMilli() - clock.millis();
        if (expiresAt != null && millis <= 0) {
            return removeAsync(feed, space, key);
        }
        byte[] px = bytes(expiresAt == null ? "" : Long.toString(millis));
        var async = redis.getStatefulConnection().async();
        return watched("feed-put", replication.after(async, async.eval(PUT, ScriptOutputType.VALUE,
                new String[] {RedisStore.key(space, key), STREAM_PREFIX + feed}, value, px, maxLength, bytes(key))));
    }

    @Override
    public CompletableFuture<Void> removeAsync(String feed, String space, String key) {
        var async = redis.getStatefulConnection().async();
        return watched("feed-remove", replication.after(async, async.eval(REMOVE, ScriptOutputType.VALUE,
                new String[] {RedisStore.key(space, key), STREAM_PREFIX + feed}, maxLength, bytes(key))));
    }

    private CompletableFuture<Void> watched(String operation, java.util.concurrent.CompletionStage<?> command) {
        return command.toCompletableFuture().handle((ok, failure) -> {
            if (failure != null) {
                health.failed(operation, failure instanceof Exception e ? e : new RedisException(failure));
                throw new java.util.concurrent.CompletionException(failure);
            }
            health.ok();
            return null;
        });
    }

    @Override
    public void remove(String feed, String space, String key) {
        health.call("feed-remove", () -> {
            Object done = redis.eval(REMOVE, ScriptOutputType.VALUE,
                    new String[] {RedisStore.key(space, key), STREAM_PREFIX + feed}, maxLength, bytes(key));
            replication.await(redis);
            return done;
        });
    }

    @Override
    public synchronized AutoCloseable follow(String feed, Consumer<Change> listener, Runnable resync) {
        String stream = STREAM_PREFIX + feed;
        StreamState state = health.call("feed-follow", () -> {
            epoch.lookOnce();
            return state(stream);
        });
        Follower f = new Follower(stream, listener, resync, state);
        if (followers.putIfAbsent(stream, f) != null) {
            throw new IllegalStateException("feed " + feed + " is already followed");
        }
        if (reader == null) {
            readConnection = client.connect(RedisStore.CODEC);
            reader = new Thread(this::readLoop, "edgeauth-redis-feed");
            reader.setDaemon(true);
            reader.start();
        }
        return () -> followers.remove(stream, f);
    }

    @Override
    public boolean shared() {
        return true;
    }

    private void readLoop() {
        boolean recheck = false;
        long backoff = 50;
        long nextCheck = clock.millis() + HISTORY_CHECK_MILLIS;
        while (!closed) {
            try {
                List<Follower> current = List.copyOf(followers.values());
                if (recheck || clock.millis() >= nextCheck) {
                    nextCheck = clock.millis() + HISTORY_CHECK_MILLIS;
                    if (epoch.lostSinceLastLook()) {
                        LOG.warn("Redis lost its data (its data-epoch marker is gone): every change stream is reloaded"
                                + " from the store");
                        current.forEach(f -> f.resyncDue = true);
                    }
                    for (Follower f : current) {
                        checkHistory(f);
                    }
                    recheck = false;
                }
                @SuppressWarnings("unchecked")
                XReadArgs.StreamOffset<String>[] offsets = current.stream()
                        .map(f -> XReadArgs.StreamOffset.from(f.stream, f.lastId)).toArray(XReadArgs.StreamOffset[]::new);
                if (offsets.length == 0) { // every follower left: nothing to read until one follows again
                    if (!pause(block.toMillis())) {
                        return;
                    }
                    continue;
                }
                List<StreamMessage<String, byte[]>> messages =
                        readConnection.sync().xread(XReadArgs.Builder.block(block).count(READ_BATCH), offsets);
                health.readOk("feed-read");
                backoff = 50;
                for (StreamMessage<String, byte[]> m : messages) {
                    Follower f = followers.get(m.getStream());
                    if (f != null) {
                        deliver(f, m);
                        f.lastId = m.getId();
                        f.position++;
                    }
                }
                recheck = messages.size() >= READ_BATCH; // behind: entries may be trimmed before we read them
            } catch (RedisException | StoreUnavailableException e) { // the latter: a resync's store call failed
                if (closed) {
                    return;
                }
                if (e instanceof RedisException re) {
                    health.readFailed("feed-read", re);
                }
                recheck = true;
                if (!pause(backoff)) {
                    return;
                }
                backoff = Math.min(1000, backoff * 2);
            }
        }
    }

    /**
     * Resyncs a follower whose missed entries the stream no longer holds: entries are numbered by
     * {@code entries-added}; those still held are the last {@code length} of them, so the follower's
     * next one ({@code position + 1}) is gone when it is older than the oldest held. A stream that went
     * back (fewer entries ever added, or an older last id) lost its data.
     */
    private void checkHistory(Follower f) {
        StreamState s = state(f.stream);
        boolean trimmed = f.position < s.entriesAdded - s.length;
        boolean reset = s.entriesAdded < f.position || compare(s.lastGenerated, f.lastId) < 0;
        if (trimmed || reset || f.resyncDue) {
            LOG.warn("change stream {} no longer holds every entry after {} ({}): reloading from the store",
                    f.stream, f.lastId, trimmed ? "trimmed" : reset ? "reset" : "resync due");
            f.resyncDue = true;
            f.resync.run();
            f.resyncDue = false;
            f.lastId = s.lastGenerated;
            f.position = s.entriesAdded;
        }
    }

    private void deliver(Follower f, StreamMessage<String, byte[]> m) {
        byte[] key = m.getBody().get("k");
        if (key == null) {
            LOG.warn("change stream {} entry {} has no key: skipped", f.stream, m.getId());
            return;
        }
        try {
            f.listener.accept(new Change(new String(key, StandardCharsets.UTF_8), Optional.ofNullable(m.getBody().get("v"))));
        } catch (RuntimeException e) {
            LOG.warn("change listener of {} failed on entry {}", f.stream, m.getId(), e);
        }
    }

    /** The last id the stream generated, its length and how many entries it was ever given (zeros when absent). */
    private record StreamState(String lastGenerated, long length, long entriesAdded) { }

    private StreamState state(String stream) {
        List<Object> info;
        try {
            info = redis.xinfoStream(stream);
        } catch (RedisCommandExecutionException e) {
            if (e.getMessage() != null && e.getMessage().contains("no such key")) {
                return new StreamState("0-0", 0, 0);
            }
            throw e;
        }
        String last = "0-0";
        long length = 0;
        long added = 0;
        for (int i = 0; i + 1 < info.size(); i += 2) {
            String name = text(info.get(i));
            Object value = info.get(i + 1);
            switch (name) {
                case "last-generated-id" -> last = text(value);
                case "length" -> length = Long.parseLong(text(value));
                case "entries-added" -> added = Long.parseLong(text(value));
                default -> { }
            }
        }
        return new StreamState(last, length, added);
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }

    /** Orders stream ids {@code <ms>-<seq>}. */
    static int compare(String a, String b) {
        int da = a.indexOf('-');
        int db = b.indexOf('-');
        int c = Long.compare(Long.parseLong(a.substring(0, da)), Long.parseLong(b.substring(0, db)));
        return c != 0 ? c : Long.compare(Long.parseLong(a.substring(da + 1)), Long.parseLong(b.substring(db + 1)));
    }

    private boolean pause(long millis) {
        try {
            Thread.sleep(millis); // reconnect back-off of the reader thread
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }


    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (reader != null) {
            reader.interrupt();
            readConnection.close();
            try {
                reader.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
