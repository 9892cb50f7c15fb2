package io.edgeauth.broker.store.redis;

import io.edgeauth.broker.store.StoreUnavailableException;
import io.lettuce.core.RedisException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Redis is serving, as the last command and the change-feed reader saw it: the reason of the
 * current outage for {@code /health}, the gauge {@code edgeauth_store_up}, failures counted by
 * operation ({@code edgeauth_store_failures_total}) and outages ({@code edgeauth_store_outages_total}).
 * Logs each transition once, not each failure. Thread-safe.
 */
final class RedisHealth {
    private static final Logger LOG = LoggerFactory.getLogger(RedisHealth.class);

    private final MeterRegistry meters;
    private final String target;
    private volatile String outage;
    /** Set when the store closes: what fails after that is the shutdown's doing, not an outage. */
    private volatile boolean closing;

    RedisHealth(MeterRegistry meters, String target) {
        this.meters = meters;
        this.target = target;
        Gauge.builder("edgeauth.store.up", this, h -> h.outage == null ? 1 : 0)
                .description("1 while the shared store (Redis) answers, 0 during an outage").register(meters);
    }

    /** The store is closing: failures from now on are logged at debug and counted as nothing. */
    void closing() {
        closing = true;
    }

    void failed(String operation, Exception e) {
        if (closing) {
            LOG.debug("{} failed while the store closes: {}", operation, summary(e));
            return;
        }
        meters.counter("edgeauth.store.failures", "op", operation).increment();
        String reason = "redis unreachable (" + target + "): " + summary(e);
        boolean began;
        synchronized (this) {
            began = outage == null;
            outage = reason;
        }
        if (began) {
            meters.counter("edgeauth.store.outages").increment();
            LOG.warn("shared store outage began: {}", reason);
        }
    }

    void ok() {
        if (outage != null) {
            synchronized (this) {
                if (outage == null) {
                    return;
                }
                outage = null;
            }
            LOG.info("shared store reachable again ({})", target);
        }
    }

    /** Runs a command: success ends an outage, a Redis failure marks one and becomes {@link StoreUnavailableException}. */
    <T> T call(String operation, Supplier<T> command) {
        try {
            T result = command.get();
            ok();
            return result;
        } catch (RedisException e) {
            failed(operation, e);
            throw new StoreUnavailableException("shared store " + operation + " failed: " + summary(e), e);
        }
    }

    Optional<String> outage() {
        return Optional.ofNullable(outage);
    }

    /** The exception's class and first line, bounded (Lettuce messages name host:port, never credentials). */
    static String summary(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = root.getMessage() == null ? root.getClass().getSimpleName()
                : root.getClass().getSimpleName() + ": " + root.getMessage().lines().findFirst().orElse("");
        return msg.length() > 200 ? msg.substring(0, 200) : msg;
    }
}
