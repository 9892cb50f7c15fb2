package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeauth.broker.policy.RatePlan;
import io.edgeauth.broker.policy.rate.BucketRateLimiter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Y3: a plan of 1e-13 msg/s started, and its nanoseconds per message (1e22) overflowed the bucket arithmetic, so its
 * 4.29 said Max-Age 1. Plans below {@link RatePlan#MIN_MESSAGES_PER_SECOND} are refused at start-up, naming the key.
 */
class RatePlanBoundsConfigTest {
    @TempDir
    Path dir;

    private final ConfigLoader loader = new ConfigLoader();

    private Path plan(String messagesPerSecond) throws Exception {
        return plan(messagesPerSecond, "100");
    }

    private Path plan(String messagesPerSecond, String bytesPerSecond) throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "ratePlans:\n  default:\n    messagesPerSecond: " + messagesPerSecond
                + "\n    burst: 20\n    bytesPerSecond: " + bytesPerSecond + "\n");
        return f;
    }

    /**
     * Tour H, H6: a rate above one message per microsecond loaded and acted as another (6.7e8 as 1e9: a message's
     * refill is whole nanoseconds), and bytes above 1e9 a second acted as 1e9; both are refused now, naming the key.
     */
    @Test
    void ratesTheBucketsCannotKeepAreRefused() throws Exception {
        assertThatThrownBy(() -> loader.load(plan("670000000"), Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("ratePlans.default.messagesPerSecond: expected at most 1000000");
        assertThatThrownBy(() -> loader.load(plan("1e300"), Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("ratePlans.default.messagesPerSecond: expected at most 1000000");
        assertThatThrownBy(() -> loader.load(plan("10", "1000000001"), Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("ratePlans.default.bytesPerSecond: expected at most 1000000000");
        assertThatThrownBy(() -> new RatePlan("p", 1e7, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RatePlan("p", 1, 1, Long.MAX_VALUE)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theHighestPlanLoadsAndAdmitsItsBytesAtOnce() throws Exception {
        var loaded = loader.load(plan("1000000", "1000000000"), Map.of()).ratePlans().get("default");
        RatePlan highest = new RatePlan("default", loaded.messagesPerSecond(), loaded.burst(), loaded.bytesPerSecond());
        BucketRateLimiter limiter = new BucketRateLimiter(highest);
        assertThat(limiter.largestMessage()).isEqualTo(1_000_000_000L);
        assertThat(limiter.tryAcquire(100_000_000)).isTrue();
    }

    @Test
    void aRateTooLowForTheArithmeticIsRefused() throws Exception {
        Path f = plan("0.0000000000001");
        assertThatThrownBy(() -> loader.load(f, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("ratePlans.default.messagesPerSecond")
                .hasMessageContaining("1.0E-6");
    }

    @Test
    void theLowestRateLoadsAndSaysItsRealWait() throws Exception {
        RatePlan lowest = new RatePlan("default", RatePlan.MIN_MESSAGES_PER_SECOND, 1000, 100);
        assertThat(loader.load(plan("0.000001"), Map.of()).ratePlans().get("default").messagesPerSecond())
                .isEqualTo(RatePlan.MIN_MESSAGES_PER_SECOND);
        BucketRateLimiter limiter = new BucketRateLimiter(lowest);
        for (int i = 0; i < 1000; i++) {
            assertThat(limiter.tryAcquire(0)).isTrue();
        }
        assertThat(limiter.tryAcquire(0)).isFalse();
        assertThat(limiter.secondsUntilAvailable()).as("one message a million seconds").isEqualTo(1_000_000);
    }
}
