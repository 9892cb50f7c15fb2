package io.edgeauth.broker.cluster;

import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's clock against Redis's ({@code TIME}), the one clock every node reaches: measured at start and with
 * each lease renewal, shown as {@code edgeauth_cluster_clock_offset_seconds} (positive: this node is ahead). Nodes
 * whose offsets differ disagree on time: a node ahead issues tokens the others refuse once the difference passes
 * the token clock leeway ({@code iat}/{@code nbf} in the future), and a node behind writes lease ends the others
 * read as past. So beyond half the leeway it logs a warning (once, and once when back within), and
 * {@link #problem} says so. Read by one thread, the gauge and the health facts by others.
 */
final class ClockCheck {
    private static final Logger LOG = LoggerFactory.getLogger(ClockCheck.class);
    /** A round trip slower than this says too little about the offset: the sample is skipped. */
    private static final long MAX_ROUND_TRIP_MILLIS = 500;

    private final Clock clock;
    private final Duration limit;
    private final Duration leeway;
    private volatile long offsetMillis;
    private volatile boolean beyond;

    /** @param leeway the token clock leeway ({@code tokens.clockLeeway}): the warning comes at half of it */
    ClockCheck(Clock clock, Duration leeway, MeterRegistry meters) {
        this.clock = clock;
        this.leeway = leeway;
        this.limit = leeway.dividedBy(2);
        Gauge.builder("edgeauth.cluster.clock.offset.seconds", this, c -> c.offsetMillis / 1000.0)
                .description("this node's clock minus Redis's (TIME), measured with each lease renewal").register(meters);
    }

    /** One sample: this node's clock at the middle of the round trip against Redis's answer. */
    void measure(RedisCommands<String, byte[]> redis) {
        long before = clock.millis();
        List<byte[]> time = redis.time();
        long after = clock.millis();
        if (after - before > MAX_ROUND_TRIP_MILLIS || time == null || time.size() < 2) {
            return;
        }
        long redisMillis = Long.parseLong(text(time.get(0))) * 1000 + Long.parseLong(text(time.get(1))) / 1000;
        record((before + after) / 2 - redisMillis);
    }

    /** Takes an offset (ms, this node minus Redis) and logs the crossings of the limit. */
    void record(long offset) {
        offsetMillis = offset;
        boolean now = Math.abs(offset) > limit.toMillis();
        if (now != beyond) {
            beyond = now;
            if (now) {
                LOG.warn("this node's clock is {}: more than half the token clock leeway ({} s). Tokens this node"
                        + " issues may be refused by the other nodes, and its lease may be read as ended; sync the"
                        + " clocks (NTP)", describe(offset), leeway.toSeconds());
            } else {
                LOG.info("this node's clock is {} again: within half the token clock leeway", describe(offset));
            }
        }
    }

    /** The offset in seconds (this node minus Redis), for {@code /health}. */
    double offsetSeconds() {
        return offsetMillis / 1000.0;
    }

    /** Why this node's time is suspect (its clock beyond half the leeway from Redis's), or empty. */
    Optional<String> problem() {
        long offset = offsetMillis;
        return beyond ? Optional.of("clock " + describe(offset) + " (more than half of tokens.clockLeeway "
                + leeway.toSeconds() + " s): sync the clocks (NTP)") : Optional.empty();
    }

    private static String describe(long offset) {
        return String.format(java.util.Locale.ROOT, "%.1f s %s Redis's", Math.abs(offset) / 1000.0,
                offset >= 0 ? "ahead of" : "behind");
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
