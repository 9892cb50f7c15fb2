package io.edgeauth.broker.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import io.edgeauth.broker.testsupport.LogCapture;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfiguredRatePlansTest {
    private static final RatePlan DEFAULT = new RatePlan("default", 10, 20, 64_000);
    private static final RatePlan GOLD = new RatePlan("gold", 100, 200, 1_000_000);
    private final ConfiguredRatePlans plans = new ConfiguredRatePlans(Map.of("default", DEFAULT, "gold", GOLD), "default");

    @Test
    void aConfiguredPlanIsItselfAndNoPlanIsTheDefault() {
        assertThat(plans.apply("gold")).isEqualTo(GOLD);
        assertThat(plans.apply(null)).isEqualTo(DEFAULT);
    }

    /** Under its own name the plan would key a shared rate bucket that another node fills with its own limits. */
    @Test
    void aPlanThisNodeLacksIsTheDefaultPlanByItsNameTooWarnedOnce() {
        try (LogCapture logs = LogCapture.of(ConfiguredRatePlans.class)) {
            assertThat(plans.apply("platinum")).isEqualTo(DEFAULT);
            assertThat(plans.apply("platinum").name()).isEqualTo("default");
            assertThat(plans.apply("bronze")).isEqualTo(DEFAULT);
            assertThat(logs.events()).filteredOn(e -> e.getLevel() == Level.WARN)
                    .extracting(e -> e.getFormattedMessage())
                    .containsExactly("rate plan 'platinum' is not in this node's ratePlans: its devices get 'default' here",
                            "rate plan 'bronze' is not in this node's ratePlans: its devices get 'default' here");
        }
    }

    @Test
    void theDefaultMustBeAConfiguredPlan() {
        assertThatThrownBy(() -> new ConfiguredRatePlans(Map.of("gold", GOLD), "default"))
                .hasMessageContaining("no rate plan default");
    }
}
