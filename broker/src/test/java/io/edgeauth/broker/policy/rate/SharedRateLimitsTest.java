package io.edgeauth.broker.policy.rate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.policy.RateLimiter;
import io.edgeauth.broker.policy.RatePlan;
import io.edgeauth.broker.store.redis.RedisStore;
import io.edgeauth.broker.testsupport.RedisServer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device's message budget shared by two nodes through Bucket4j's Lettuce proxy manager (on our
 * Lettuce 7): spent on A, it is spent on B; each node still limits alone when Redis is not there.
 */
class SharedRateLimitsTest {
    @TempDir
    static Path dir;
    static RedisServer redis;
    // 5 messages of burst, refilled one per 100 s: nothing refills during the test
    static final RatePlan PLAN = new RatePlan("slow", 0.01, 5, 1_000_000);

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    static RedisStore node() {
        return redis.connectStore();
    }

    static SharedRateLimits limits(RedisStore store) {
        return new SharedRateLimits(new LocalRateLimits(LocalRateLimits.Settings.defaults()), store.rateLimitBuckets(),
                1000, Duration.ofMinutes(1));
    }

    @Test
    void aBudgetSpentOnOneNodeIsSpentOnTheOther() throws Exception {
        try (RedisStore a = node(); RedisStore b = node()) {
            RateLimiter onA = limits(a).forDevice("default", "rl-pump", PLAN);
            for (int i = 0; i < 5; i++) {
                assertThat(onA.tryAcquire(10)).as("message %d within the burst", i).isTrue();
            }
            assertThat(onA.tryAcquire(10)).isFalse();
            await().atMost(Duration.ofSeconds(10)).until(() -> redis.command("EXISTS", "ea:rate:default/rl-pump/slow").equals(":1"));

            // the device reconnects to B: B's local pre-filter is fresh, the shared bucket is not
            RateLimiter onB = limits(b).forDevice("default", "rl-pump", PLAN);
            assertThat(onB.tryAcquire(10)).as("admitted by B's own bucket; charged to the shared one").isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> onB.secondsUntilAvailable() > 0);
            for (int i = 0; i < 4; i++) {
                assertThat(onB.tryAcquire(10)).as("B alone would admit 4 more; the shared budget is spent").isFalse();
            }
            assertThat(onB.secondsUntilAvailable()).isPositive();
        }
    }

    @Test
    void devicesDoNotShareBudgets() {
        try (RedisStore a = node()) {
            SharedRateLimits limits = limits(a);
            for (int i = 0; i < 5; i++) {
                assertThat(limits.forDevice("default", "rl-one", PLAN).tryAcquire(1)).isTrue();
            }
            assertThat(limits.forDevice("default", "rl-two", PLAN).tryAcquire(1)).isTrue();
            assertThat(limits.forDevice("other", "rl-one", PLAN).tryAcquire(1)).as("another tenant's device").isTrue();
        }
    }
}
