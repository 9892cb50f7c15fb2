package io.edgeauth.broker.store.redis;

import io.edgeauth.broker.store.StoreUnavailableException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
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
    /** A background reader's timeouts in a row, by operation. */
    private final Map<String, Integer> readTimeouts = new ConcurrentHashMap<>();
    static final int TIMEOUTS_FOR_OUTAGE = 3;
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
            throw new StoreUnavailableException("shared store " + operation + " failed: " + summary(e), e,
                    e instanceof RedisCommandTimeoutException);
        }
    }

    /**
     * A background blocking read failed. Its timeout alone is weak evidence: the read waits in Redis for up to its
     * {@code BLOCK} and its answer can reach a starved JVM late, so on a loaded node one such timeout said "outage"
     * and refused new authentications while Redis served every foreground command. So a timeout counts towards an
     * outage only on the {@value #TIMEOUTS_FOR_OUTAGE}rd in a row of the same reader (a silent Redis: a reader
     * retries at once, so that takes a few seconds); a foreground command's failure, and a reader's failure other
     * than a timeout (connection refused or lost), still mark one at once. Counted in
     * {@code edgeauth_store_read_timeouts_total{op}}.
     */
    void readFailed(String operation, Exception e) {
        if (e instanceof RedisCommandTimeoutException && !closing) {
            meters.counter("edgeauth.store.read.timeouts", "op", operation).increment();
            int inARow = readTimeouts.merge(operation, 1, Integer::sum);
            if (inARow < TIMEOUTS_FOR_OUTAGE) {
                LOG.debug("{} timed out ({} in a row): not an outage yet", operation, inARow);
                return;
            }
        }
        failed(operation, e);
    }

    /** A background read answered: its run of timeouts ends, and Redis serves. */
    void readOk(String operation) {
        readTimeouts.remove(operation);
        ok();
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
