package io.edgeauth.broker.store.redis;

import io.edgeauth.broker.store.ChangeFeed;
import io.edgeauth.broker.store.Store;
import io.edgeauth.broker.store.StoreUnavailableException;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.event.connection.DisconnectedEvent;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * The {@link Store} on Redis through Lettuce, shared by every node of a deployment. Each entry is one
 * Redis string {@code ea:<space>:<key>} whose TTL is the datum's life ({@code PX}); the atomic
 * operations are single commands: {@link #putIfAbsent} is {@code SET NX PX} (assertion replay guard,
 * spent refresh tokens), {@link #take} is {@code GETDEL} (SIWE nonces, claim codes). Writes are
 * acknowledged by the Redis primary, and with {@code store.redisWaitReplicas} also by that many replicas
 * ({@code WAIT}); their durability is the server's ({@code appendonly yes}, see {@code docs/scale-out.md}). A failed or timed-out command throws {@link StoreUnavailableException}
 * and marks an outage ({@link #unavailableReason}) until Redis answers again; Lettuce reconnects by
 * itself and refuses commands while disconnected rather than queueing them. Thread-safe (one
 * multiplexed connection for commands, one for the change feed's blocking reads).
 */
public final class RedisStore implements Store {
    static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);
    /** The prefix of every key this broker keeps in Redis. */
    public static final String PREFIX = "ea:";
    private static final int SCAN_BATCH = 1000;

    private final RedisClient client;
    private final ClientResources resources;
    private final StatefulRedisConnection<String, byte[]> connection;
    private final RedisCommands<String, byte[]> redis;
    private final Clock clock;
    private final RedisHealth health;
    private final Replication replication;
    private final RedisChangeFeed feed;
    private final reactor.core.Disposable events;
    private volatile boolean closing;

    private RedisStore(RedisClient client, ClientResources resources, StatefulRedisConnection<String, byte[]> connection,
                       RedisSettings settings, Clock clock, RedisHealth health) {
        this.client = client;
        this.resources = resources;
        this.connection = connection;
        this.redis = connection.sync();
        this.clock = clock;
        this.health = health;
        this.replication = new Replication(settings.waitReplicas(), settings.waitTimeout());
        this.feed = new RedisChangeFeed(client, redis, settings, health, clock, replication);
        // a dropped connection is an outage at once, before any command fails on it; the events are the client's, so
        // the feed's own connections, closed one by one as the broker stops, are told apart by the store's staying open
        this.events = resources.eventBus().get().subscribe(event -> {
            if (event instanceof DisconnectedEvent && !closing && !connection.isOpen()) {
                health.failed("connection", new RedisException("connection to Redis lost"));
            }
        });
    }

    /**
     * Connects and checks that Redis answers; throws {@link StoreUnavailableException} naming the target
     * when it does not (the broker then refuses to start).
     */
    public static RedisStore connect(RedisSettings settings, Clock clock, MeterRegistry meters) {
        // reconnect attempts every 50 ms growing to 1 s (Lettuce's default grows to 30 s): an outage ends
        // for the broker within a second of Redis returning
        ClientResources resources = DefaultClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .build();
        RedisClient client = RedisClient.create(resources, settings.redisUri());
        ClientOptions.Builder options = ClientOptions.builder()
                .autoReconnect(true)
                // fail fast while disconnected: an outage must refuse, not pile up requests in memory
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(settings.timeout()))
                .socketOptions(SocketOptions.builder().connectTimeout(settings.timeout()).keepAlive(true).build());
        if (settings.trustStore() != null) {
            options.sslOptions(SslOptions.builder().jdkSslProvider().trustManager(settings.trustStore().toFile()).build());
        }
        client.setOptions(options.build());
        try {
            StatefulRedisConnection<String, byte[]> connection = client.connect(CODEC);
            connection.sync().ping();
            return new RedisStore(client, resources, connection, settings, clock,
                    new RedisHealth(meters, settings.describe()));
        } catch (RedisException e) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            resources.shutdown();
            throw new StoreUnavailableException("store.type redis: cannot reach Redis at " + settings.describe() + ": "
                    + RedisHealth.summary(e), e);
        }
    }

    /**
     * Bucket4j buckets on this Redis (compare-and-swap on the command connection), each key expiring
     * 10 s after its bucket would be full again, for budgets shared by every node.
     */
    public AsyncProxyManager<String> rateLimitBuckets() {
        return Bucket4jLettuce.casBasedBuilder(connection).clientClock(new RedisTime(connection.async()))
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
                .build().asAsync();
    }

    /** A connection of its own on this Redis (for a component's blocking reads); the caller closes it. */
    public StatefulRedisConnection<String, byte[]> connectOwn() {
        return client.connect(CODEC);
    }

    /** Asynchronous commands on the shared, multiplexed command connection (never block on them). */
    public RedisAsyncCommands<String, byte[]> async() {
        return connection.async();
    }

    /**
     * {@code write}, sent on the shared command connection ({@link #async}), completing once the replicas
     * {@code store.redisWaitReplicas} asks for have it (at once without replicas to wait for).
     */
    public <T> java.util.concurrent.CompletableFuture<T> replicated(java.util.concurrent.CompletionStage<T> write) {
        return replication.after(connection.async(), write);
    }

    /**
     * Lets a background reader (a blocking {@code XREAD}/{@code XREADGROUP} on a connection of its own) report a
     * round: {@code null} when it answered. A timeout is an outage only on the third in a row of that reader (see
     * {@link RedisHealth#readFailed}); any other failure at once.
     */
    public void reportRead(String operation, Throwable failure) {
        if (failure == null) {
            health.readOk(operation);
        } else {
            health.readFailed(operation, failure instanceof Exception e ? e : new RedisException(failure));
        }
    }

    /** Lets another component on this Redis report a failed command (an outage) or a good one. */
    public void report(String operation, Throwable failure) {
        if (failure == null) {
            health.ok();
        } else {
            health.failed(operation, failure instanceof Exception e ? e : new RedisException(failure));
        }
    }

    /** The change feed on this Redis (streams {@code ea:feed:<name>}). */
    public ChangeFeed feed() {
        return feed;
    }

    @Override
    public Optional<byte[]> get(String space, String key) {
        return Optional.ofNullable(health.call("get", () -> redis.get(key(space, key))));
    }

    @Override
    public void put(String space, String key, byte[] value, Instant expiresAt) {
        Long ttl = ttlMillis(expiresAt);
        if (ttl != null && ttl <= 0) {
            remove(space, key); // already expired: what put means is "gone"
            return;
        }
        health.call("put", () -> {
            String ok = ttl == null ? redis.set(key(space, key), value)
                    : redis.set(key(space, key), value, SetArgs.Builder.px(ttl));
            replication.await(redis);
            return ok;
        });
    }

    @Override
    public boolean putIfAbsent(String space, String key, byte[] value, Instant expiresAt) {
        Long ttl = ttlMillis(expiresAt);
        SetArgs args = ttl == null ? SetArgs.Builder.nx() : SetArgs.Builder.nx().px(Math.max(1, ttl));
        return "OK".equals(health.call("putIfAbsent", () -> {
            String ok = redis.set(key(space, key), value, args);
            if ("OK".equals(ok)) {
                replication.await(redis); // e.g. a spent refresh token: its loss would let it be spent twice
            }
            return ok;
        }));
    }

    @Override
    public boolean replaceIf(String space, String key, byte[] expected, byte[] value) {
        return health.call("replaceIf", () -> {
            Long written = redis.<Long>eval(RedisChangeFeed.REPLACE_IF, io.lettuce.core.ScriptOutputType.INTEGER,
                    new String[] {key(space, key)}, RedisChangeFeed.expectedArgs(expected, value));
            if (written != null && written == 1) {
                replication.await(redis);
                return true;
            }
            return false;
        });
    }

    @Override
    public Optional<byte[]> take(String space, String key) {
        return Optional.ofNullable(health.call("take", () -> {
            byte[] taken = redis.getdel(key(space, key));
            if (taken != null) {
                replication.await(redis); // a consumed nonce must stay consumed after a failover
            }
            return taken;
        }));
    }

    @Override
    public boolean remove(String space, String key) {
        return health.call("remove", () -> {
            long removed = redis.del(key(space, key));
            if (removed > 0) {
                replication.await(redis);
            }
            return removed;
        }) > 0;
    }

    @Override
    public void forEach(String space, BiConsumer<String, byte[]> action) {
        String prefix = key(space, "");
        ScanArgs args = ScanArgs.Builder.matches(globEscape(prefix) + "*").limit(SCAN_BATCH);
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            ScanCursor from = cursor;
            KeyScanCursor<String> page = health.call("scan", () -> redis.scan(from, args));
            if (!page.getKeys().isEmpty()) {
                for (KeyValue<String, byte[]> kv : health.call("mget", () -> redis.mget(page.getKeys().toArray(String[]::new)))) {
                    if (kv.hasValue()) { // expired or removed since the scan saw it: skipped
                        action.accept(kv.getKey().substring(prefix.length()), kv.getValue());
                    }
                }
            }
            cursor = page;
        } while (!cursor.isFinished());
    }

    /** Redis expires entries itself; nothing to do. */
    @Override
    public long prune(Instant now) {
        return 0;
    }

    @Override
    public Optional<String> unavailableReason() {
        return health.outage();
    }

    @Override
    public void close() {
        closing = true;
        health.closing();
        events.dispose();
        feed.close();
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown();
    }

    static String key(String space, String key) {
        return PREFIX + space + ":" + key;
    }

    private Long ttlMillis(Instant expiresAt) {
        return expiresAt == null ? null : expiresAt.toEpochMilli() - clock.millis();
    }


    private static String globEscape(String s) {
        return s.replaceAll("([*?\\[\\]\\\\])", "\\\\$1");
    }
}
