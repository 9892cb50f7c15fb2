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

    /**
     * A device's key is HKDF(group secret, device id), the group's id and tenant not in it: two tenants' groups with
     * one secret let either factory enroll ids into the other tenant (tour L, L3). A short secret is listed with the
     * other errors rather than failing start-up later. Groups of one tenant may share a secret.
     */
    @Test
    void groupsOfTwoTenantsMayNotShareASecretAndAShortOneIsRefused() throws Exception {
        Path a = file("a.key", "k".repeat(32), "rw-------");
        Path b = file("b.key", "k".repeat(32), "rw-------");
        String tenants = "tenants:\n  - id: default\n  - id: other\n";
        assertThatThrownBy(() -> load(tenants + "provisioning:\n  enrollmentGroups:\n    - {id: g, secretFile: " + a
                + "}\n    - {id: h, tenant: other, secretFile: " + b + "}\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("provisioning.enrollmentGroups[1].secretFile: the same secret as "
                        + "provisioning.enrollmentGroups[0] of tenant 'default'");
        assertThat(load(tenants + "provisioning:\n  enrollmentGroups:\n    - {id: g, secretFile: " + a
                + "}\n    - {id: h, secretFile: " + b + "}\n").provisioning().enrollmentGroups()).hasSize(2);
        Path shortSecret = file("s.key", "k".repeat(31), "rw-------");
        assertThatThrownBy(() -> load("provisioning:\n  enrollmentGroups:\n    - {id: g, secretFile: " + shortSecret
                + "}\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("provisioning.enrollmentGroups[0].secretFile: holds 31 bytes");
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
