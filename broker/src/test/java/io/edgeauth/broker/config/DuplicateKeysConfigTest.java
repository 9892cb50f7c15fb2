package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A key written twice in one mapping is refused: the second would silently replace the first (a whole section). */
class DuplicateKeysConfigTest {
    @TempDir
    Path dir;

    @Test
    void aSecondSectionOfTheSameNameIsRefusedNamingIt() throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "mqtt:\n  port: 1884\nhttp:\n  port: 9000\nmqtt:\n  tlsPort: -1\n");
        assertThatThrownBy(() -> new ConfigLoader().load(f, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("duplicate key 'mqtt'").hasMessageContaining("line 5");
    }

    @Test
    void aKeyTwiceInASectionIsRefusedWithItsPath() throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "http:\n  port: 9000\n  workerThreads: 4\n  port: 9001\n");
        assertThatThrownBy(() -> new ConfigLoader().load(f, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("duplicate key 'http.port'");
    }
}
