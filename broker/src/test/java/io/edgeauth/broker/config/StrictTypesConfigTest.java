package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole-number key takes no fraction or exponent (2.9 was cut to 2), a boolean key no number (0 was false);
 * environment text such as "8080" and "true" still binds, as the environment only has text.
 */
class StrictTypesConfigTest {
    @TempDir
    Path dir;

    private final ConfigLoader loader = new ConfigLoader();

    private Path write(String text) throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void aFractionForAWholeNumberIsRefused() throws Exception {
        assertThatThrownBy(() -> loader.load(write("http:\n  workerThreads: 2.9\n"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.workerThreads: expected a whole number")
                .hasMessageNotContaining("CoercionConfig");
        assertThatThrownBy(() -> loader.load(write("http:\n  port: 8080.5\n"), Map.of()))
                .hasMessageContaining("http.port: expected a whole number");
        assertThatThrownBy(() -> loader.load(write("http:\n  port: 1e3\n"), Map.of()))
                .hasMessageContaining("http.port: expected a whole number");
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_HTTP_PORT", "8080.5")))
                .hasMessageContaining("http.port");
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_HTTP_PORT", "1e3")))
                .hasMessageContaining("http.port");
    }

    @Test
    void aNumberForABooleanIsRefused() throws Exception {
        assertThatThrownBy(() -> loader.load(write("mqtt:\n  persistSessions: 0\n"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("mqtt.persistSessions: expected true or false");
        assertThatThrownBy(() -> loader.load(null, Map.of("EDGEAUTH_MQTT_PERSIST_SESSIONS", "0")))
                .hasMessageContaining("mqtt.persistSessions");
    }

    @Test
    void environmentTextStillBinds() {
        BrokerConfig c = loader.load(null, Map.of("EDGEAUTH_HTTP_PORT", "8081", "EDGEAUTH_MQTT_PERSIST_SESSIONS", "false",
                "EDGEAUTH_HTTP_WORKER_THREADS", "4"));
        assertThat(c.http().port()).isEqualTo(8081);
        assertThat(c.http().workerThreads()).isEqualTo(4);
        assertThat(c.mqtt().persistSessions()).isFalse();
    }
}
