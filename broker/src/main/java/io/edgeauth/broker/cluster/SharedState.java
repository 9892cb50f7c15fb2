package io.edgeauth.broker.cluster;

import io.edgeauth.broker.config.BrokerConfig;
import io.edgeauth.broker.store.ChangeFeed;
import io.edgeauth.broker.store.LocalChangeFeed;
import io.edgeauth.broker.store.MvStoreStore;
import io.edgeauth.broker.store.Store;
import io.edgeauth.broker.store.redis.RedisSettings;
import io.edgeauth.broker.store.redis.RedisStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
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

    private SharedState(Store store, ChangeFeed feed, String type) {
        this.store = store;
        this.feed = feed;
        this.type = type;
    }

    /** Opens the configured store; {@code embeddedFile} is where the embedded one lives. */
    public static SharedState open(BrokerConfig.Store config, Path embeddedFile, Clock clock, MeterRegistry meters) {
        if (config.type().equals("redis")) {
            RedisSettings settings = RedisSettings.of(config);
            RedisStore redis = RedisStore.connect(settings, clock, meters);
            LOG.info("shared store: redis at {}", settings.describe());
            return new SharedState(redis, redis.feed(), "redis");
        }
        MvStoreStore embedded = new MvStoreStore(embeddedFile, clock);
        return new SharedState(embedded, new LocalChangeFeed(embedded), "embedded");
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
}
