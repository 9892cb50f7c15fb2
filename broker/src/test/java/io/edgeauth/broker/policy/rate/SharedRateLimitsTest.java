package io.edgeauth.broker.policy.rate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.policy.RateLimiter;
import io.edgeauth.broker.policy.RatePlan;
import io.edgeauth.broker.store.redis.RedisStore;
import io.edgeauth.broker.testsupport.RedisServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
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

    /** What the shared bucket of {@code plan} holds now (not counting charges still in flight). */
    static long sharedTokens(RedisStore node, String device, RatePlan plan) throws Exception {
        return node.rateLimitBuckets().builder().build(SharedRateLimits.key("default", device, plan),
                () -> CompletableFuture.completedFuture(SharedRateLimits.configuration(plan))).getAvailableTokens().get();
    }

    @Test
    void aBudgetSpentOnOneNodeIsSpentOnTheOther() throws Exception {
        try (RedisStore a = node(); RedisStore b = node()) {
            RateLimiter onA = limits(a).forDevice("default", "rl-pump", PLAN);
            for (int i = 0; i < 5; i++) {
                assertThat(onA.tryAcquire(10)).as("message %d within the burst", i).isTrue();
            }
            assertThat(onA.tryAcquire(10)).isFalse();
            await().atMost(Duration.ofSeconds(10)).until(() -> redis.command("EXISTS", SharedRateLimits.key("default", "rl-pump", PLAN)).equals(":1"));

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

    /**
     * Y11: a plan changed under the same name (a rolling restart with the new value) reaches a device whose shared
     * bucket the old plan created and its traffic kept alive: each node's new bucket is charged to a shared bucket of
     * the new settings, so two nodes hold the device to the lowered plan (not to twice it).
     */
    @Test
    void aLoweredPlanHoldsABusyDeviceOnEveryNodeAfterARollingRestart() throws Exception {
        RatePlan before = new RatePlan("turbo", 1000, 1000, 1_000_000);
        RatePlan after = new RatePlan("turbo", 0.01, 5, 1_000_000);
        try (RedisStore a = node(); RedisStore b = node()) {
            RateLimiter onA = limits(a).forDevice("default", "rl-busy", before);
            for (int i = 0; i < 10; i++) {
                assertThat(onA.tryAcquire(10)).isTrue();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> !redis.command("KEYS", "ea:rate:default/rl-busy/*").equals("*0"));

            // the operator lowers the plan and restarts B, then A: each comes back with fresh local buckets
            RateLimiter onB = limits(b).forDevice("default", "rl-busy", after);
            for (int i = 0; i < 5; i++) {
                assertThat(onB.tryAcquire(10)).as("message %d within the new burst", i).isTrue();
            }
            assertThat(onB.tryAcquire(10)).isFalse();
            await().atMost(Duration.ofSeconds(10)).until(() -> sharedTokens(b, "rl-busy", after) == 0); // B's charges landed
            RateLimiter onA2 = limits(a).forDevice("default", "rl-busy", after);
            assertThat(onA2.tryAcquire(10)).as("admitted by A's own bucket; charged to the shared one").isTrue();
            await("the shared bucket of the new plan is in debt").atMost(Duration.ofSeconds(5))
                    .until(() -> onA2.secondsUntilAvailable() > 0);
            for (int i = 0; i < 4; i++) {
                assertThat(onA2.tryAcquire(10)).as("A alone would admit 4 more; the new plan's budget is spent").isFalse();
            }
        }
    }

    /** Y11, the other way: a raised plan is not held back by the debt of the bucket the old, lower plan made. */
    @Test
    void aRaisedPlanTakesEffectForABusyDevice() throws Exception {
        RatePlan before = new RatePlan("lift", 0.01, 2, 1_000_000);
        RatePlan after = new RatePlan("lift", 0.01, 50, 1_000_000);
        try (RedisStore a = node(); RedisStore b = node()) {
            RateLimiter onA = limits(a).forDevice("default", "rl-raised", before);
            assertThat(onA.tryAcquire(10)).isTrue();
            assertThat(onA.tryAcquire(10)).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> sharedTokens(a, "rl-raised", before) == 0); // A's charges landed
            RateLimiter onB = limits(b).forDevice("default", "rl-raised", before);
            assertThat(onB.tryAcquire(10)).as("B's own bucket; the shared one goes into debt").isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> onB.secondsUntilAvailable() > 0);

            RateLimiter raisedOnB = limits(b).forDevice("default", "rl-raised", after);
            int admitted = 0;
            for (int i = 0; i < 20; i++) {
                if (raisedOnB.tryAcquire(10)) {
                    admitted++;
                }
                Thread.sleep(20); // let the charges reach Redis, as spread-out traffic would
            }
            assertThat(admitted).as("20 messages within the raised burst of 50").isEqualTo(20);
        }
    }
}
