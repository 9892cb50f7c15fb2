package io.edgeauth.broker.keys;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.testsupport.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.token.TestSupport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SigningKeyStoreTest {
    static final Duration MAX = Duration.ofMinutes(10);
    static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path data;
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T10:00:00Z"));

    List<TenantKeySettings> tenants() {
        return List.of(
                new TenantKeySettings("acme", "https://b/acme", TokenAlgorithm.ES256, new SharedSecret("hs-1", SECRET)),
                new TenantKeySettings("ed", "https://b/ed", TokenAlgorithm.EDDSA, null),
                new TenantKeySettings("rsa", "https://b/rsa", TokenAlgorithm.RS256, null));
    }

    @Test
    void generatesKeysOnFirstStartWithThumbprintKidsAndOwnerOnlyFiles() throws Exception {
        SigningKeyStore store = SigningKeyStore.open(data, tenants(), MAX, clock);
        for (String t : List.of("acme", "ed", "rsa")) {
            SigningKey k = store.activeKey(t);
            Path dir = data.resolve("keys").resolve(t);
            Path file = dir.resolve(k.kid() + ".jwk.json");
            assertThat(file).exists();
            JWK jwk = JWK.parse(Files.readString(file));
            assertThat(jwk.isPrivate()).isTrue();
            assertThat(k.kid()).isEqualTo(jwk.computeThumbprint().toString()).hasSize(43);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("state.json")))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
            assertThat(k.toString()).doesNotContain("privateKey").doesNotContain("S=").contains(k.kid());
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("keys")))).isEqualTo("rwx------");
        assertThat(store.activeKey("acme").algorithm()).isEqualTo(TokenAlgorithm.ES256);
        assertThat(store.activeKey("ed").algorithm()).isEqualTo(TokenAlgorithm.EDDSA);
        assertThat(store.activeKey("rsa").algorithm()).isEqualTo(TokenAlgorithm.RS256);
    }

    @Test
    void jwksArePublicOnlyWithAlgAndUse() throws Exception {
        SigningKeyStore store = SigningKeyStore.open(data, tenants(), MAX, clock);
        JWKSet combined = store.publicJwks();
        assertThat(combined.getKeys()).hasSize(3);
        String json = combined.toString();
        JsonNode keys = TestSupport.JSON.readTree(json).get("keys");
        for (JsonNode k : keys) {
            assertThat(k.has("d")).isFalse();
            assertThat(k.has("p")).isFalse();
            assertThat(k.get("use").asText()).isEqualTo("sig");
            assertThat(k.has("alg")).isTrue();
            assertThat(k.has("kid")).isTrue();
        }
        assertThat(json).doesNotContain("hs-1").doesNotContain("\"oct\"");
        assertThat(store.publicJwks("ed").getKeys()).singleElement()
                .satisfies(k -> assertThat(k.toJSONObject()).containsEntry("crv", "Ed25519").containsKey("x"));
        assertThat(store.publicJwks("rsa").getKeys().get(0).toJSONObject()).containsKeys("n", "e");
        assertThat(store.publicJwks("acme").getKeys().get(0).toJSONObject()).containsKeys("crv", "x", "y");
    }

    @Test
    void resolvesByIssuerAndKidWithTypedMisses() throws Exception {
        SigningKeyStore store = SigningKeyStore.open(data, tenants(), MAX, clock);
        String kid = store.activeKey("acme").kid();
        KeyResolution found = store.resolve("https://b/acme", kid);
        assertThat(found.isFound()).isTrue();
        assertThat(found.key().algorithms()).containsExactly(TokenAlgorithm.ES256);
        assertThat(found.key().tenantId()).isEqualTo("acme");
        assertThat(store.resolve("https://b/acme", "hs-1").key().algorithms()).containsExactly(TokenAlgorithm.HS256);
        assertThat(store.resolve("https://b/ed", "hs-1").miss()).isEqualTo(RejectionReason.UNKNOWN_KEY);
        assertThat(store.resolve("https://nope", kid).miss()).isEqualTo(RejectionReason.UNKNOWN_ISSUER);
        assertThat(store.resolve(null, kid).miss()).isEqualTo(RejectionReason.UNKNOWN_ISSUER);
        assertThat(store.resolve("https://b/acme", null).miss()).isEqualTo(RejectionReason.UNKNOWN_KEY);
        assertThat(store.resolve("https://b/acme", "../../etc/passwd").miss()).isEqualTo(RejectionReason.UNKNOWN_KEY);
        assertThat(store.resolve("https://b/acme", "../acme/" + kid).miss()).isEqualTo(RejectionReason.UNKNOWN_KEY);
        assertThat(store.resolve("https://b/ed", kid).miss()).isEqualTo(RejectionReason.UNKNOWN_KEY);
    }

    @Test
    void rotationRetiresThenPrunes() throws Exception {
        SigningKeyStore store = SigningKeyStore.open(data, tenants(), MAX, clock);
        String old = store.activeKey("acme").kid();
        String fresh = store.rotate("acme");
        assertThat(store.activeKey("acme").kid()).isEqualTo(fresh);
        assertThat(store.publicJwks("acme").getKeys()).extracting(JWK::getKeyID).containsExactlyInAnyOrder(old, fresh);
        assertThat(store.resolve("https://b/acme", old).isFound()).isTrue();

        // a restart in between keeps the retired key and its drop time
        SigningKeyStore reopened = SigningKeyStore.open(data, tenants(), MAX, clock);
        assertThat(reopened.activeKey("acme").kid()).isEqualTo(fresh);
        assertThat(reopened.resolve("https://b/acme", old).isFound()).isTrue();

        clock.advance(MAX.plusSeconds(29));
        assertThat(reopened.resolve("https://b/acme", old).isFound()).isTrue();
        assertThat(reopened.pruneExpired()).isZero();
        clock.advance(Duration.ofSeconds(1));
        assertThat(reopened.resolve("https://b/acme", old).miss()).isEqualTo(RejectionReason.UNKNOWN_KEY);
        assertThat(reopened.publicJwks("acme").getKeys()).extracting(JWK::getKeyID).containsExactly(fresh);
        assertThat(reopened.pruneExpired()).isEqualTo(1);
        assertThat(data.resolve("keys/acme/" + old + ".jwk.json")).doesNotExist();
        assertThat(data.resolve("keys/acme/" + fresh + ".jwk.json")).exists();
        assertThat(SigningKeyStore.open(data, tenants(), MAX, clock).publicJwks("acme").getKeys()).hasSize(1);
    }

    @Test
    void algorithmChangeRotatesAtStart() throws Exception {
        SigningKeyStore store = SigningKeyStore.open(data, tenants(), MAX, clock);
        String old = store.activeKey("acme").kid();
        SigningKeyStore changed = SigningKeyStore.open(data, List.of(
                new TenantKeySettings("acme", "https://b/acme", TokenAlgorithm.EDDSA, null)), MAX, clock);
        assertThat(changed.activeKey("acme").algorithm()).isEqualTo(TokenAlgorithm.EDDSA);
        assertThat(changed.resolve("https://b/acme", old).isFound()).isTrue();
    }

    @Test
    void corruptOrForeignKeyFilesStopTheStart() throws Exception {
        SigningKeyStore store = SigningKeyStore.open(data, tenants(), MAX, clock);
        String kid = store.activeKey("acme").kid();
        Path file = data.resolve("keys/acme/" + kid + ".jwk.json");
        // replace with another valid key: the kid no longer matches its thumbprint
        Files.writeString(file, JwkKeys.generate(TokenAlgorithm.ES256).toJSONString());
        assertThatThrownBy(() -> SigningKeyStore.open(data, tenants(), MAX, clock)).isInstanceOf(IOException.class);
        Files.writeString(file, "{not json");
        assertThatThrownBy(() -> SigningKeyStore.open(data, tenants(), MAX, clock)).isInstanceOf(IOException.class);
        Files.writeString(data.resolve("keys/acme/state.json"), "{\"active\":\"../../etc/passwd\"}");
        assertThatThrownBy(() -> SigningKeyStore.open(data, tenants(), MAX, clock)).isInstanceOf(IOException.class);
    }

    @Test
    void settingsAreValidated() {
        assertThatThrownBy(() -> TenantKeySettings.of("../x", "iss")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TenantKeySettings("a", "iss", TokenAlgorithm.HS256, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SharedSecret("k", new byte[16])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SharedSecret("../k", SECRET)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new SharedSecret("k", SECRET).toString()).doesNotContain("0123");
        assertThatThrownBy(() -> SigningKeyStore.open(data, List.of(TenantKeySettings.of("a", "same"), TenantKeySettings.of("b", "same")), MAX, clock))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nothingSecretIsLeftInTempFiles() throws Exception {
        SigningKeyStore.open(data, tenants(), MAX, clock).rotate("ed");
        try (Stream<Path> files = Files.walk(data)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
        }
    }
}
