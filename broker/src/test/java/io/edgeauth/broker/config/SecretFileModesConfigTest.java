package io.edgeauth.broker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A configured file that holds a secret (HSM PIN, enrollment group secret, PSK master, TLS server key store) and that
 * its group or others may read stops start-up naming the key, the file and {@code chmod 600}; mode 600 passes. The
 * files are created with the umask's mode (644 under 022), as an operator's {@code echo > file} would.
 */
class SecretFileModesConfigTest {
    @TempDir
    Path dir;

    private final ConfigLoader loader = new ConfigLoader();

    private Path file(String name, String content, String mode) throws Exception {
        Path f = Files.writeString(dir.resolve(name), content);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
        return f;
    }

    private BrokerConfig load(String yaml) throws Exception {
        return loader.load(Files.writeString(dir.resolve("c.yaml"), yaml), Map.of("PIN", "1234"));
    }

    private void refused(String yaml, String key, Path file) {
        assertThatThrownBy(() -> load(yaml)).isInstanceOf(ConfigException.class)
                .hasMessageContainingAll(key + ": " + file, "readable by others", "chmod 600");
    }

    @Test
    void anHsmPinFileReadableByOthersIsRefused() throws Exception {
        Path lib = file("libfake.so", "not really", "rw-r--r--");
        Path pin = file("hsm.pin", "1234", "rw-r--r--");
        String yaml = "tenants:\n  - id: default\n    hsm: {library: " + lib + ", slot: 1, pinFile: " + pin + "}\n";
        refused(yaml, "tenants[default].hsm.pinFile", pin);
        Files.setPosixFilePermissions(pin, PosixFilePermissions.fromString("rw-r-----"));
        refused(yaml, "tenants[default].hsm.pinFile", pin);
        Files.setPosixFilePermissions(pin, PosixFilePermissions.fromString("rw-------"));
        assertThat(load(yaml).tenant("default").hsm().pinFile()).isEqualTo(pin);
    }

    @Test
    void anEnrollmentGroupSecretReadableByOthersIsRefused() throws Exception {
        Path secret = file("group.key", "x".repeat(32), "rw-r--r--");
        String yaml = "provisioning:\n  enrollmentGroups:\n    - {id: g, secretFile: " + secret + "}\n";
        refused(yaml, "provisioning.enrollmentGroups[0].secretFile", secret);
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("r--------"));
        assertThat(load(yaml).provisioning().enrollmentGroups()).hasSize(1);
    }

    @Test
    void aPskMasterReadableByOthersIsRefused() throws Exception {
        Path master = file("psk-master", "y".repeat(32), "rw----r--");
        String yaml = "coap:\n  dtlsPort: 0\n  pskMasterSecretFile: " + master + "\n";
        refused(yaml, "coap.pskMasterSecretFile", master);
        Files.setPosixFilePermissions(master, PosixFilePermissions.fromString("rw-------"));
        assertThat(load(yaml).coap().pskMasterSecretFile()).isEqualTo(master);
    }

    @Test
    void tlsKeyStoresReadableByOthersAreRefused() throws Exception {
        Path p12 = file("server.p12", "not checked here", "rw-r--r--");
        refused("mqtt:\n  tlsPort: 0\n  keyStore: " + p12 + "\n", "mqtt.keyStore", p12);
        refused("http:\n  tls:\n    port: 0\n    keyStore: " + p12 + "\n", "http.tls.keyStore", p12);
        refused("coap:\n  dtlsPort: 0\n  keyStore: " + p12 + "\n", "coap.keyStore", p12);
    }
}
