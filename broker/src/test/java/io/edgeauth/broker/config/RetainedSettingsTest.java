package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mqtt.maxRetainedPerTenant} and {@code mqtt.maxRetainedPerDevice}: read, defaulted and bounded. */
class RetainedSettingsTest {
    @TempDir
    Path dir;

    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void retainedBoundsAreReadAndBounded() throws Exception {
        BrokerConfig defaults = loader.load(null, Map.of());
        assertThat(defaults.mqtt().maxRetainedPerTenant()).isEqualTo(10_000);
        assertThat(defaults.mqtt().maxRetainedPerDevice()).isEqualTo(100);
        BrokerConfig set = loader.load(write("mqtt:\n  maxRetainedPerTenant: 50\n  maxRetainedPerDevice: 5\n"), Map.of());
        assertThat(set.mqtt().maxRetainedPerTenant()).isEqualTo(50);
        assertThat(set.mqtt().maxRetainedPerDevice()).isEqualTo(5);
        assertThat(loader.load(null, Map.of("EDGEAUTH_MQTT_MAX_RETAINED_PER_DEVICE", "7")).mqtt().maxRetainedPerDevice())
                .isEqualTo(7);
        assertThatThrownBy(() -> loader.load(write("mqtt:\n  maxRetainedPerTenant: 0\n"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("mqtt.maxRetainedPerTenant: expected 1 to");
        assertThatThrownBy(() -> loader.load(write("mqtt:\n  maxRetainedPerTenant: 50\n  maxRetainedPerDevice: 51\n"),
                Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("mqtt.maxRetainedPerDevice: expected 1 to 50 (mqtt.maxRetainedPerTenant)");
    }

    private Path write(String yaml) throws Exception {
        Path f = dir.resolve("c" + System.nanoTime() + ".yaml");
        Files.writeString(f, yaml);
        return f;
    }
}
