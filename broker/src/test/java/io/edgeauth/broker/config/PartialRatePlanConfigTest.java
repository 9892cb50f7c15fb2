package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README: a config file holds any subset of {@code config defaults}. A file naming only some keys of the default rate
 * plan was refused for the others (tour N, N5); they now come from the default entry. A plan the defaults do not
 * define still needs every key: there is nothing to take the rest from.
 */
class PartialRatePlanConfigTest {
    @TempDir
    Path dir;

    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void aPartialDefaultPlanKeepsTheDefaultsOtherKeys() throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "ratePlans:\n  default:\n    messagesPerSecond: 1000\n    burst: 2000\n");
        BrokerConfig.RatePlanConfig plan = loader.load(f, Map.of()).ratePlans().get("default");
        assertThat(plan.messagesPerSecond()).isEqualTo(1000);
        assertThat(plan.burst()).isEqualTo(2000);
        assertThat(plan.bytesPerSecond()).isEqualTo(65536);
    }

    @Test
    void aNewPlanStillNeedsEveryKey() throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "ratePlans:\n  default:\n    burst: 30\n  gold:\n    messagesPerSecond: 100\n    burst: 200\n");
        assertThatThrownBy(() -> loader.load(f, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("ratePlans.gold.bytesPerSecond");
    }
}
