package io.edgeauth.broker.policy.rate;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/**
 * Tour H, H2: a failed attempt's extra cost may push an attempt bucket into debt, but never deeper than a whole burst
 * of failed attempts could through the guard. MQTT's edge refusals (no password, a client id too long, a will topic
 * that is no topic, ...) record a failure without taking an attempt first, so before the bound every such CONNECT
 * deepened its source address's debt without limit: one client looping on a CONNECT without a password locked its
 * address, and every device behind the same NAT, out for as long as it had looped times 2.5 s.
 */
class AttemptDebtBoundTest {

    @Test
    void failuresRecordedWithoutAnAttemptDoNotLockAnAddressOutWithoutBound() throws Exception {
        // defaults: 120 attempts a minute per address (one every 0.5 s), a failure costs 5 more
        LocalRateLimits limits = new LocalRateLimits(LocalRateLimits.Settings.defaults());
        InetAddress nat = InetAddress.getByName("192.0.2.44");
        for (int i = 0; i < 10_000; i++) {
            limits.recordFailedConnect(null, nat); // 10,000 junk CONNECTs refused at the MQTT edge
        }
        // at most a full burst of failed attempts' debt: 120 x 5 = 600 attempts, then one: 601 x 0.5 s
        assertThat(limits.secondsUntilConnect(null, nat)).isBetween(295L, 301L);
        assertThat(limits.tryConnect("t\u0000pump-7", nat)).isFalse();
    }

    @Test
    void aBurstOfFailedAttemptsThroughTheGuardStillCostsItsWholeDebt() throws Exception {
        LocalRateLimits limits = new LocalRateLimits(LocalRateLimits.Settings.defaults());
        InetAddress source = InetAddress.getByName("192.0.2.45");
        for (int i = 0; i < 120; i++) { // all at once, as concurrent attempts: each passes, then fails
            assertThat(limits.tryConnect(null, source)).isTrue();
        }
        for (int i = 0; i < 120; i++) {
            limits.recordFailedConnect(null, source);
        }
        assertThat(limits.tryConnect(null, source)).isFalse();
        assertThat(limits.secondsUntilConnect(null, source)).as("600 in debt, then one: 601 x 0.5 s").isBetween(295L, 301L);
    }

    @Test
    void aSingleChargeLargerThanTheBurstStillCountsWhole() {
        // connectionGuard.failedAttemptCost may exceed the burst (up to 1000 against 30 a minute)
        KeyedBuckets<String> buckets = new KeyedBuckets<>(30, 30, 100);
        buckets.charge("t\u0000pump-7", 1000);
        assertThat(buckets.secondsUntilAvailable("t\u0000pump-7")).as("970 in debt, then one: 971 x 2 s").isBetween(1930L, 1942L);
    }

    @Test
    void repeatedChargesStopAtTheBound() {
        KeyedBuckets<String> buckets = new KeyedBuckets<>(10, 10, 100); // 10 a minute: one every 6 s
        for (int i = 0; i < 1000; i++) {
            buckets.charge("k", 1);
        }
        assertThat(buckets.secondsUntilAvailable("k")).as("10 x 1 in debt, then one: 11 x 6 s").isBetween(60L, 66L);
    }
}
