package io.edgeauth.broker.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.policy.rate.LocalRateLimits;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Y9: the rate plan is the gate's first check, so a refused message spends the device's budget too and a flood of
 * bad signatures costs at most the plan's rate in signature checks; once spent, every message is refused as over the
 * plan (and counts towards the MQTT abuse disconnect).
 */
class PublishGateTest {
    private static final RatePlan PLAN = new RatePlan("slow", 0.01, 3, 1_000_000); // nothing refills during the test

    private static RateLimiter limiter(String device) {
        return new LocalRateLimits(LocalRateLimits.Settings.defaults()).forDevice("t", device, PLAN);
    }

    private static TopicAcl acl(String device) {
        return TopicAcl.of(device, java.util.Set.of(), List.of());
    }

    @Test
    void badSignaturesSpendTheBudgetBeforeTheirCheck() {
        AtomicInteger verified = new AtomicInteger();
        PublishGate gate = new PublishGate(new GeoPolicy(""), (tenant, device, payload, signature) -> {
            verified.incrementAndGet();
            return new PublishGate.Refusal(RejectionReason.FORBIDDEN, "payload signature does not verify");
        });
        RateLimiter limiter = limiter("dev1");
        for (int i = 0; i < 3; i++) {
            assertThat(gate.check(acl("dev1"), limiter, List.of(), "d/dev1/up/t", 1, null, "t", "dev1", new byte[1], "bad")
                    .reason()).isEqualTo(RejectionReason.FORBIDDEN);
        }
        for (int i = 0; i < 100; i++) {
            assertThat(gate.check(acl("dev1"), limiter, List.of(), "d/dev1/up/t", 1, null, "t", "dev1", new byte[1], "bad")
                    .reason()).isEqualTo(RejectionReason.RATE_LIMITED);
        }
        assertThat(verified).as("one signature check per message of the plan, none beyond it").hasValue(3);
    }

    @Test
    void aclAndLocationRefusalsSpendTheBudget() {
        PublishGate gate = new PublishGate(new GeoPolicy("u33d"));
        RateLimiter limiter = limiter("dev2");
        assertThat(gate.check(acl("dev2"), limiter, List.of(), "d/dev1/up/t", 1, null).reason())
                .isEqualTo(RejectionReason.FORBIDDEN);
        assertThat(gate.check(acl("dev2"), limiter, List.of(), "d/dev2/up/t", 1, "9q8yy").reason())
                .isEqualTo(RejectionReason.OUTSIDE_REGION);
        assertThat(gate.check(acl("dev2"), limiter, List.of(), "d/dev2/up/t", 1, "u33dc")).isNull();
        assertThat(gate.check(acl("dev2"), limiter, List.of(), "d/dev2/up/t", 1, "u33dc").reason())
                .isEqualTo(RejectionReason.RATE_LIMITED);
    }
}
