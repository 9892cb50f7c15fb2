package io.edgeauth.broker.policy.rate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.policy.RateLimiter;
import io.edgeauth.broker.policy.RatePlan;
import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LocalRateLimitsTest {
    private static final RatePlan PLAN = new RatePlan("small", 1, 5, 1000);

    @Test
    void burstThenRefused() {
        RateLimiter limiter = new BucketRateLimiter(PLAN);
        int allowed = 0;
        for (int i = 0; i < 20; i++) {
            if (limiter.tryAcquire(10)) {
                allowed++;
            }
        }
        assertThat(allowed).isEqualTo(5);
        assertThat(limiter.secondsUntilAvailable()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void bytesLimitTakesNothingWhenRefused() {
        RateLimiter limiter = new BucketRateLimiter(new RatePlan("bytes", 100, 100, 100));
        assertThat(limiter.tryAcquire(60)).isTrue();
        assertThat(limiter.tryAcquire(60)).isFalse(); // bytes exhausted, message token refunded
        assertThat(limiter.tryAcquire(40)).isTrue();
        assertThat(limiter.tryAcquire(101)).isFalse(); // larger than the byte capacity: never
    }

    @Test
    void theHighestPlanIsNotCapped() {
        // plans above it are refused (RatePlanBoundsConfigTest); before tour H (H6) they were capped silently
        RateLimiter limiter = new BucketRateLimiter(new RatePlan("huge", RatePlan.MAX_MESSAGES_PER_SECOND,
                Integer.MAX_VALUE, RatePlan.MAX_BYTES_PER_SECOND));
        assertThat(limiter.tryAcquire(1_000_000)).isTrue();
        assertThat(limiter.largestMessage()).isEqualTo(RatePlan.MAX_BYTES_PER_SECOND);
    }

    @Test
    void sameDeviceSharesOneBudgetAndTenantsAreSeparate() {
        LocalRateLimits limits = new LocalRateLimits(LocalRateLimits.Settings.defaults());
        RateLimiter first = limits.forDevice("t1", "dev", PLAN);
        RateLimiter second = limits.forDevice("t1", "dev", PLAN); // a second connection of the same device
        RateLimiter otherTenant = limits.forDevice("t2", "dev", PLAN);
        int allowed = 0;
        for (int i = 0; i < 10; i++) {
            allowed += (first.tryAcquire(1) ? 1 : 0) + (second.tryAcquire(1) ? 1 : 0);
        }
        assertThat(allowed).isEqualTo(5); // one burst of 5 between both connections
        assertThat(otherTenant.tryAcquire(1)).isTrue();
    }

    @Test
    void idleSessionsHoldNoBudgetUntilTheyPublish() {
        LocalRateLimits limits = new LocalRateLimits(LocalRateLimits.Settings.defaults());
        RateLimiter limiter = limits.forDevice("t", "quiet", PLAN);
        assertThat(limits.trackedDevices()).isZero();
        assertThat(limiter.tryAcquire(1)).isTrue();
        assertThat(limits.trackedDevices()).isEqualTo(1);
    }

    @Test
    void attemptBucketsAreForgottenOnceRefilledButNotWhileInDebt() throws Exception {
        // 600 a minute: one attempt refills in 100 ms
        LocalRateLimits limits = new LocalRateLimits(new LocalRateLimits.Settings(600, 600, 1200, 1000, Duration.ofMinutes(1)));
        InetAddress src = InetAddress.getByName("192.0.2.9");
        assertThat(limits.tryConnect("d1", src)).isTrue();
        assertThat(limits.trackedAttemptBuckets()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(5)).until(() -> limits.trackedAttemptBuckets() == 0);

        limits.recordFailedConnect("d2", null); // 1200 into debt: two minutes to refill
        Thread.sleep(300);
        assertThat(limits.trackedAttemptBuckets()).isEqualTo(1);
        assertThat(limits.tryConnect("d2", null)).isFalse(); // still locked out, not forgiven by eviction
    }

    @Test
    void failedAttemptsCostMore() throws Exception {
        LocalRateLimits limits = new LocalRateLimits(new LocalRateLimits.Settings(10, 100, 5, 1000, Duration.ofMinutes(1)));
        InetAddress src = InetAddress.getByName("192.0.2.1");
        assertThat(limits.tryConnect("d1", src)).isTrue();
        limits.recordFailedConnect("d1", src);
        limits.recordFailedConnect("d1", src); // 1 + 10 of 10 taken: the device is locked out
        assertThat(limits.tryConnect("d1", src)).isFalse();
        assertThat(limits.tryConnect("d2", src)).isTrue(); // the address still has room
    }

    @Test
    void addressGuardCoversManyDeviceIds() throws Exception {
        LocalRateLimits limits = new LocalRateLimits(new LocalRateLimits.Settings(10, 3, 5, 1000, Duration.ofMinutes(1)));
        InetAddress src = InetAddress.getByName("192.0.2.2");
        assertThat(limits.tryConnect("a", src)).isTrue();
        assertThat(limits.tryConnect("b", src)).isTrue();
        assertThat(limits.tryConnect("c", src)).isTrue();
        assertThat(limits.tryConnect("d", src)).isFalse();
        assertThat(limits.tryConnect("d", InetAddress.getByName("192.0.2.3"))).isTrue();
    }

    @Test
    void memoryIsBounded() {
        LocalRateLimits limits = new LocalRateLimits(new LocalRateLimits.Settings(10, 10, 1, 100, Duration.ofMinutes(1)));
        for (int i = 0; i < 10_000; i++) {
            limits.forDevice("t", "dev" + i, PLAN).tryAcquire(1);
        }
        assertThat(limits.trackedDevices()).isLessThanOrEqualTo(100);
    }

    /** Y5: the guard names the wait its buckets set: one attempt's refill, and the debt a failed attempt adds. */
    @Test
    void theConnectionGuardNamesItsWait() throws Exception {
        // 60 a minute: one attempt back every second; a failure costs 5 more
        LocalRateLimits limits = new LocalRateLimits(new LocalRateLimits.Settings(60, 600, 5, 1000, Duration.ofMinutes(1)));
        InetAddress source = InetAddress.getByName("192.0.2.9");
        assertThat(limits.secondsUntilConnect("t/dev", source)).as("nothing spent").isZero();
        for (int i = 0; i < 60; i++) {
            assertThat(limits.tryConnect("t/dev", source)).isTrue();
        }
        assertThat(limits.tryConnect("t/dev", null)).isFalse();
        assertThat(limits.secondsUntilConnect("t/dev", source)).isEqualTo(1);
        limits.recordFailedConnect("t/dev", null);
        assertThat(limits.secondsUntilConnect("t/dev", source)).as("5 attempts of debt, then one").isEqualTo(6);
        assertThat(limits.secondsUntilConnect(null, source)).as("the address's bucket is not spent").isZero();
    }

    /** Y3: a wait beyond what a long holds in nanoseconds plus a second does not wrap to a negative (or 1 s) hint. */
    @Test
    void aHugeWaitIsNotWrapped() {
        assertThat(RateLimiter.seconds(Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE / 1_000_000_000L + 1);
        assertThat(RateLimiter.seconds(1)).isEqualTo(1);
        assertThat(RateLimiter.seconds(1_000_000_000L)).isEqualTo(1);
        assertThat(RateLimiter.seconds(1_000_000_001L)).isEqualTo(2);
        assertThat(RateLimiter.seconds(0)).isZero();
    }
}
