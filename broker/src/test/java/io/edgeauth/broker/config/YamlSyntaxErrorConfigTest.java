package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A YAML syntax error names the line and column, never the source line: it may hold a password. */
class YamlSyntaxErrorConfigTest {
    @TempDir
    Path dir;

    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void theLineIsNamedAndNotEchoed() throws Exception {
        String[] bad = {
            "store:\n  redisPassword: @dm1n-Secret-REDIS-PW\n",
            "mqtt:\n  keyStorePassword: \"Sup3rSecret\"Tail-PASSWORD-XYZ\n",
            "store:\n  redisPassword: Sup3r: Secret-REDIS-PW\n",
            "mqtt:\n  keyStorePassword: [Sup3rSecret-TLS-PW\n",
            "tenants:\n  - id: a\n    hs256Secret: \"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0\n",
        };
        for (String text : bad) {
            Path f = dir.resolve("bad.yaml");
            Files.writeString(f, text);
            assertThatThrownBy(() -> loader.load(f, Map.of())).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("bad.yaml").hasMessageMatching("(?s).*line: \\d+, column: \\d+.*")
                    .hasMessageNotContaining("Secret").hasMessageNotContaining("PASSWORD")
                    .hasMessageNotContaining("c2VjcmV0");
        }
    }

    /** The reason is given (not only the path, as Java's NoSuchFileException says). */
    @Test
    void aMissingFileSaysWhy() {
        assertThatThrownBy(() -> loader.load(dir.resolve("nope.yaml"), Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("nope.yaml").hasMessageContaining("no such file");
    }
}
