package io.edgeauth.broker.cluster;

import io.edgeauth.broker.config.BrokerConfig;
import io.edgeauth.broker.keys.FileKeyVault;
import io.edgeauth.broker.keys.KeyVault;
import io.edgeauth.broker.keys.SharedKeyVault;
import io.edgeauth.broker.policy.RateLimits;
import io.edgeauth.broker.policy.rate.LocalRateLimits;
import io.edgeauth.broker.policy.rate.SharedRateLimits;
import io.edgeauth.broker.store.ChangeFeed;
import io.edgeauth.broker.store.LocalChangeFeed;
import io.edgeauth.broker.store.MvStoreStore;
import io.edgeauth.broker.store.Store;
import io.edgeauth.broker.store.redis.RedisSettings;
import io.edgeauth.broker.store.redis.RedisStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import javax.crypto.SecretKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store {@code store.type} names and the change feed that goes with it: the embedded MVStore file
 * (one node, nothing to announce) or Redis (every node, changes announced on Redis streams). Opening a
 * Redis store that does not answer fails, so a broker configured for Redis never runs on anything else.
 */
public final class SharedState implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SharedState.class);

    private final Store store;
    private final ChangeFeed feed;
    private final String type;
    private final KeyVault keyVault;
    private Clock clock = Clock.systemUTC();
    private SecretKey keyEncryptionKey; // the shared store's KEK, or null (embedded)

    private SharedState(Store store, ChangeFeed feed, String type, KeyVault keyVault) {
        this.store = store;
        this.feed = feed;
        this.type = type;
        this.keyVault = keyVault;
    }

    /** Opens the configured store; the embedded one and its signing keys live in {@code dataDir}. */
    public static SharedState open(BrokerConfig.Store config, Path dataDir, Clock clock, MeterRegistry meters) {
        try {
            if (config.type().equals("redis")) {
                // the key-encryption key first: a bad file is a config error, whatever Redis does
                SecretKey kek = SharedKeyVault.readKeyEncryptionKey(config.keyEncryptionKeyFile());
                RedisSettings settings = new RedisSettings(config.redisUri(), config.redisUser(), config.redisPassword(),
                        config.redisTrustStore(), config.redisTimeout(), config.changeStreamLength(),
                        config.redisWaitReplicas(), config.redisWaitTimeout());
                RedisStore redis = RedisStore.connect(settings, clock, meters);
                LOG.info("shared store: redis at {}", settings.describe());
                SharedState state = new SharedState(redis, redis.feed(), "redis", new SharedKeyVault(redis, redis.feed(), kek, clock));
                state.keyEncryptionKey = kek;
                state.clock = clock; // the node's clock: its leases, and the offset against Redis's
                return state;
            }
            // before MVStore creates an empty file in place of a lost one
            io.edgeauth.broker.store.DataDirectory.refuseLostStore(dataDir.resolve("state.mv.db"), dataDir.resolve("keys"));
            MvStoreStore embedded = new MvStoreStore(dataDir.resolve("state.mv.db"), clock);
            // mutations per commit is how well group commit batches: the committer's cost is per commit
            io.micrometer.core.instrument.FunctionCounter.builder("edgeauth.store.commits", embedded,
                    MvStoreStore::commitCount).description("commits of the embedded store").register(meters);
            io.micrometer.core.instrument.FunctionCounter.builder("edgeauth.store.mutations", embedded,
                    MvStoreStore::mutationCount).description("mutations of the embedded store").register(meters);
            return new SharedState(embedded, new LocalChangeFeed(embedded), "embedded",
                    new FileKeyVault(dataDir.resolve("keys")));
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /** Rate limits: this node's own, or with Redis, device budgets shared by every node over the local ones. */
    public RateLimits rateLimits(LocalRateLimits local, long maxTrackedDevices, Duration idleExpiry) {
        return store instanceof RedisStore redis
                ? new SharedRateLimits(local, redis.rateLimitBuckets(), maxTrackedDevices, idleExpiry) : local;
    }

    /**
     * Cross-node routing for {@code router} when the store is shared (Redis), else nothing: the embedded
     * store is one node, and its router stays without a link. The token clock leeway bounds the clock offset against
     * Redis it warns about; the settings every node must share are compared across the nodes ({@link ConfigAgreement}).
     */
    public Optional<ClusterRouting> routing(io.edgeauth.broker.router.TopicRouter router, BrokerConfig broker,
                                            Path dataDir, Duration backpressureTimeout, int sessionQueueLength,
                                            MeterRegistry meters, io.edgeauth.broker.audit.AuditLog audit) {
        if (!(store instanceof RedisStore redis)) {
            return Optional.empty();
        }
        BrokerConfig.Store config = broker.store();
        return Optional.of(ClusterRouting.start(redis, router, new ClusterRouting.Settings(config.nodeId(), dataDir,
                config.inboxLength(), config.nodeLease(), config.changeStreamLength(), backpressureTimeout,
                sessionQueueLength, broker.tokens().clockLeeway(), ConfigAgreement.of(broker)), meters, audit, clock));
    }

    /** Where the tenants' signing keys live: files in the data directory, or encrypted in Redis. */
    public KeyVault keyVault() {
        return keyVault;
    }

    public Store store() {
        return store;
    }

    public ChangeFeed feed() {
        return feed;
    }

    /** {@code embedded} or {@code redis}: what is really in use. */
    public String type() {
        return type;
    }

    /** Why the store cannot serve now, or empty. */
    public Optional<String> unavailableReason() {
        return store.unavailableReason();
    }

    @Override
    public void close() {
        store.close();
    }

    /** The shared store's key-encryption key (state files are sealed under keys derived from it), or null. */
    public SecretKey keyEncryptionKey() {
        return keyEncryptionKey;
    }
}
