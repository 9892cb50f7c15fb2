package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the config loader (YAML file, then one {@code EDGEAUTH_*} variable, then validation): a bad
 * file or value is a {@link ConfigException} with a message, never another exception and never a
 * config that gets past validation with a value it should have refused. The input is the file's
 * bytes, optionally followed by a NUL and one {@code NAME=value} environment variable. Seeds: the
 * embedded defaults and the loader test's files.
 */
@Order(Integer.MAX_VALUE - 1) // after the plain tests: the Jazzer agent instruments what loads after it
class ConfigLoaderFuzzTest {
    private static final Path FILE = tempFile();

    @FuzzTest(maxDuration = "10s")
    void load(byte[] input) throws IOException {
        int nul = indexOf(input, (byte) 0);
        Files.write(FILE, nul < 0 ? input : Arrays.copyOf(input, nul));
        Map<String, String> env = Map.of();
        if (nul >= 0) {
            String var = new String(input, nul + 1, input.length - nul - 1, StandardCharsets.UTF_8);
            int eq = var.indexOf('=');
            if (eq > 0) {
                env = Map.of(ConfigLoader.ENV_PREFIX + var.substring(0, eq), var.substring(eq + 1));
            }
        }
        try {
            BrokerConfig config = new ConfigLoader().load(FILE, env);
            assertThat(config).isNotNull();
        } catch (ConfigException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    /** Found by this target: {@code region: null} ended in a NullPointerException in the validator. */
    @Test
    void aSectionSetToNullIsRefusedWithItsName() throws IOException {
        Files.writeString(FILE, "region: null\n");
        assertThatThrownBy(() -> new ConfigLoader().load(FILE, Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'region'");
    }

    /** Found by this target: a tenant without an id ended in a NullPointerException in {@code BrokerConfig.tenant}. */
    @Test
    void aTenantWithoutIdIsRefusedWithItsKey() throws IOException {
        for (String tenants : new String[] {"tenants: [{}]\n", "tenants:\n  - id: null\n    algorithm: ES256\n"}) {
            Files.writeString(FILE, tenants);
            assertThatThrownBy(() -> new ConfigLoader().load(FILE, Map.of())).as(tenants)
                    .isInstanceOf(ConfigException.class).hasMessageContaining("tenants[0].id");
        }
    }

    private static int indexOf(byte[] b, byte v) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == v) {
                return i;
            }
        }
        return -1;
    }

    private static Path tempFile() {
        try {
            Path f = Files.createTempFile("edgeauth-fuzz", ".yaml");
            f.toFile().deleteOnExit();
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
