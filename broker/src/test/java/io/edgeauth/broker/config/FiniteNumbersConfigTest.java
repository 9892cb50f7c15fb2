package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A double setting is a finite number: NaN would mean unlimited to a rate limiter, Infinity never. */
class FiniteNumbersConfigTest {
    @TempDir
    Path dir;

    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void nanAndInfinityAreRefusedNamingTheKey() throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "ratePlans:\n  default:\n    messagesPerSecond: \"NaN\"\n    burst: 5\n"
                + "    bytesPerSecond: 100\n");
        assertThatThrownBy(() -> loader.load(f, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("ratePlans.default.messagesPerSecond").hasMessageContaining("finite number");
        Files.writeString(f, "ratePlans:\n  default:\n    messagesPerSecond: .inf\n    burst: 5\n"
                + "    bytesPerSecond: 100\n");
        // YAML's .inf does not even parse: refused with its line
        assertThatThrownBy(() -> loader.load(f, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("line: 3");
        for (String v : new String[] {"NaN", "Infinity", "-Infinity"}) {
            assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_AUDIT_ANOMALIES_MAX_TRAVEL_SPEED_KMH", v)))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("audit.anomalies.maxTravelSpeedKmh");
        }
    }

    @Test
    void finiteNumbersStillLoadFromTheFileAndTheEnvironment() {
        assertThat(loader.load(null, Map.of("EDGEAUTH_AUDIT_ANOMALIES_MAX_TRAVEL_SPEED_KMH", "900.5")).audit()
                .anomalies().maxTravelSpeedKmh()).isEqualTo(900.5);
        assertThat(loader.load(null, Map.of()).ratePlans().get("default").messagesPerSecond()).isEqualTo(10.0);
    }
}
