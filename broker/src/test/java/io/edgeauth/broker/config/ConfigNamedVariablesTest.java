package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A variable the config names (a tenant's hsm.pinEnv) is used, so it is not reported as ignored. */
class ConfigNamedVariablesTest {
    @TempDir
    Path dir;

    @Test
    void anHsmPinVariableIsNotCalledIgnored() throws Exception {
        Path module = Files.writeString(dir.resolve("libsofthsm2.so"), "not really a module");
        ConfigLoader loader = new ConfigLoader();
        loader.load(null, Map.of("EDGEAUTH_TENANTS", "[{id: default, hsm: {library: '" + module + "', slot: 1,"
                + " pinEnv: EDGEAUTH_HSM_PIN}}]", "EDGEAUTH_HSM_PIN", "1234", "EDGEAUTH_ADMIN", "x"));
        assertThat(loader.ignoredVariables()).containsExactly("EDGEAUTH_ADMIN");
    }
}
