package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ratePlans.<plan>.connectsPerMinute} was required, validated, and never read: a plan with 1 let a device
 * connect five times in a row (a config audit). Connection attempts are bounded per device for every plan by
 * {@code connectionGuard.perDevicePerMinute}, so the plan setting is refused, saying where the limit lives.
 */
class RatePlanConnectsConfigTest {
    @TempDir
    Path dir;

    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void aPlansConnectsPerMinuteIsRefusedPointingToTheConnectionGuard() throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "ratePlans:\n  default:\n    messagesPerSecond: 5\n    burst: 5\n"
                + "    bytesPerSecond: 100\n    connectsPerMinute: 1\n");
        assertThatThrownBy(() -> loader.load(f, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("ratePlans.default.connectsPerMinute")
                .hasMessageContaining("connectionGuard.perDevicePerMinute");
    }

    @Test
    void aPlanWithoutItLoads() throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "ratePlans:\n  default:\n    messagesPerSecond: 5\n    burst: 5\n    bytesPerSecond: 100\n");
        assertThat(loader.load(f, Map.of()).ratePlans().get("default").burst()).isEqualTo(5);
    }
}
