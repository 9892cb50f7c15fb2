package io.edgeauth.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.nimbusds.jose.jwk.JWK;
import io.edgeauth.device.internal.SecureFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DeviceIdentityTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(DeviceIdentity.KeyType.class)
    void saveAndLoadRoundTrip(DeviceIdentity.KeyType type) throws Exception {
        DeviceIdentity id = DeviceIdentity.generate("sensor-1", type);
        Path file = dir.resolve("keys/sensor-1.jwk");
        id.save(file);

        DeviceIdentity loaded = DeviceIdentity.load(file);
        assertThat(loaded.deviceId()).isEqualTo("sensor-1");
        assertThat(loaded.keyType()).isEqualTo(type);
        assertThat(loaded.thumbprint()).isEqualTo(id.thumbprint());
        assertThat(loaded.publicJwk().toJSONObject()).isEqualTo(id.publicJwk().toJSONObject());
    }

    @Test
    void keyFileIsOwnerOnly() throws Exception {
        assumeTrue(SecureFiles.posix(), "POSIX file system");
        Path file = dir.resolve("d.jwk");
        DeviceIdentity.generate("d").save(file);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        // overwriting keeps the mode and leaves no temporary files behind
        DeviceIdentity.generate("d").save(file);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void publicJwkHasNoPrivatePartsAndThumbprintKid() throws Exception {
        DeviceIdentity id = DeviceIdentity.generate("d-2");
        JWK pub = id.publicJwk();
        assertThat(pub.isPrivate()).isFalse();
        assertThat(pub.toJSONObject()).doesNotContainKey("d");
        assertThat(pub.getKeyID()).isEqualTo(id.thumbprint());
        assertThat(pub.computeThumbprint().toString()).isEqualTo(id.thumbprint());
        assertThat(pub.getAlgorithm().getName()).isEqualTo("ES256");
        assertThat(id.toString()).doesNotContain("\"d\"");
    }

    @Test
    void thumbprintMatchesRfc7638Example() throws Exception {
        // RFC 7638 §3.1 uses an RSA key; the same canonicalisation (Nimbus) for EC is cross-checked by hand here:
        JWK ec = JWK.parse("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
                + "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\",\"d\":\"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI\"}");
        DeviceIdentity id = DeviceIdentity.of("x", ec);
        String canonical = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
                + "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}";
        byte[] sha = java.security.MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(id.thumbprint()).isEqualTo(java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(sha));
    }

    @Test
    void rejectsBadIdsAndFiles() throws Exception {
        assertThatThrownBy(() -> DeviceIdentity.generate("a/b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DeviceIdentity.generate("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DeviceIdentity.generate("#")).isInstanceOf(IllegalArgumentException.class);
        Path pub = dir.resolve("pub.jwk");
        Files.writeString(pub, DeviceIdentity.generate("p").publicJwk().toJSONString());
        assertThatThrownBy(() -> DeviceIdentity.load(pub)).isInstanceOf(IOException.class);
        Path garbage = dir.resolve("g.jwk");
        Files.writeString(garbage, "not json");
        assertThatThrownBy(() -> DeviceIdentity.load(garbage)).isInstanceOf(IOException.class);
        Path big = dir.resolve("big.jwk");
        Files.write(big, new byte[DeviceIdentity.MAX_FILE_BYTES + 1]);
        assertThatThrownBy(() -> DeviceIdentity.load(big)).isInstanceOf(IOException.class).hasMessageContaining("larger");
    }
}
