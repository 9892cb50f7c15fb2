package io.edgeauth.broker.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.store.redis.RedisStore;
import io.edgeauth.broker.testsupport.RedisServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Signing keys shared by two nodes through Redis: one key set, rotation seen everywhere, encrypted at rest. */
class SharedKeyVaultTest {
    @TempDir
    static Path dir;
    static RedisServer redis;
    static final Duration MAX = Duration.ofMinutes(10);
    static final SecretKey KEK = new SecretKeySpec(new byte[32], "AES");

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    static RedisStore node() {
        return redis.connectStore();
    }

    static SigningKeyStore keys(RedisStore store, SecretKey kek, String tenant) throws Exception {
        return SigningKeyStore.open(new SharedKeyVault(store, store.feed(), kek, Clock.systemUTC()),
                List.of(new TenantKeySettings(tenant, "https://b/" + tenant, TokenAlgorithm.ES256, null)), MAX,
                Clock.systemUTC());
    }

    @Test
    void twoNodesShareOneKeySetAndSeeEachOthersRotation() throws Exception {
        try (RedisStore a = node(); RedisStore b = node()) {
            SigningKeyStore onA = keys(a, KEK, "shared");
            SigningKeyStore onB = keys(b, KEK, "shared");
            assertThat(onB.activeKey("shared").kid()).isEqualTo(onA.activeKey("shared").kid());
            String rotated = onA.rotate("shared");
            await().atMost(Duration.ofSeconds(5)).until(() -> onB.activeKey("shared").kid().equals(rotated));
            assertThat(onB.publicJwks("shared").getKeys()).hasSize(2); // the retired key verifies its tokens on
            String again = onB.rotate("shared"); // from B, on top of A's rotation (not of B's old snapshot)
            await().atMost(Duration.ofSeconds(5)).until(() -> onA.activeKey("shared").kid().equals(again));
            assertThat(onA.publicJwks("shared").getKeys()).hasSize(3);
            assertThat(onA.publicJwks("shared").getKeys()).allSatisfy(k -> assertThat(k.isPrivate()).isFalse());
        }
    }

    /**
     * Tour AA, AA11, on the shared vault: the prune of one node drops a rotated-out pair's private keys from Redis once
     * their exp is past, and the other node follows (before, they stayed in the store until the next rotation).
     */
    @Test
    void expiredTokenEncryptionKeysArePrunedFromTheSharedVault() throws Exception {
        io.edgeauth.broker.testsupport.MutableClock clock =
                new io.edgeauth.broker.testsupport.MutableClock(java.time.Instant.now());
        try (RedisStore a = node(); RedisStore b = node()) {
            SharedKeyVault vaultA = new SharedKeyVault(a, a.feed(), KEK, clock);
            TokenEncryptionKeys onA = TokenEncryptionKeys.open(vaultA, List.of("enc-prune"), MAX, clock);
            TokenEncryptionKeys onB = TokenEncryptionKeys.open(new SharedKeyVault(b, b.feed(), KEK, clock),
                    List.of("enc-prune"), MAX, clock);
            String oldKid = onA.forTenant("enc-prune").orElseThrow().jweKey().getKeyID();
            onA.rotate("enc-prune");
            assertThat(vaultA.readKey("enc-prune", TokenEncryptionKeys.VAULT_ENTRY)).contains(oldKid);

            clock.advance(MAX.plusSeconds(1));
            assertThat(onA.pruneExpired()).isEqualTo(2);
            assertThat(vaultA.readKey("enc-prune", TokenEncryptionKeys.VAULT_ENTRY)).doesNotContain(oldKid);
            await().atMost(Duration.ofSeconds(5)).until(() -> onB.pruneExpired() == 0
                    && !new SharedKeyVault(b, b.feed(), KEK, clock).readKey("enc-prune", TokenEncryptionKeys.VAULT_ENTRY)
                            .contains(oldKid));
        }
    }

    /**
     * Tour M, M2: Redis lost its data and no node started: the running node writes its key state and key back once its
     * feed notices the reset, so a node started later signs with and verifies the same key (before, the store stayed
     * empty and the next node to start made a new key that replaced every node's).
     */
    @Test
    void aNodeWritesItsKeysBackWhenRedisLostThem() throws Exception {
        try (RedisStore a = node()) {
            SigningKeyStore onA = keys(a, KEK, "flushed");
            String kid = onA.activeKey("flushed").kid();
            assertThat(redis.command("FLUSHALL")).isEqualTo("+OK");
            await().atMost(Duration.ofSeconds(30)).until(() -> redis.command("EXISTS",
                    "ea:" + SharedKeyVault.STATES + ":flushed").equals(":1"));
            try (RedisStore b = node()) {
                assertThat(keys(b, KEK, "flushed").activeKey("flushed").kid()).isEqualTo(kid);
            }
        }
    }

    @Test
    void privateKeysAreStoredOnlyEncryptedAndBoundToTheirKid() throws Exception {
        try (RedisStore a = node()) {
            SigningKeyStore onA = keys(a, KEK, "sealed");
            String kid = onA.activeKey("sealed").kid();
            assertThat(redis.command("STRLEN", "ea:signing-keys:sealed/" + kid)).matches(":\\d+");
            byte[] sealed = a.get(SharedKeyVault.KEYS, "sealed/" + kid).orElseThrow();
            assertThat(new String(sealed, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain("\"d\"")
                    .doesNotContain("\"kty\"");
            SharedKeyVault wrongKek = new SharedKeyVault(a, a.feed(), new SecretKeySpec(new byte[] {
                1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
                29, 30, 31, 32}, "AES"), Clock.systemUTC());
            assertThatThrownBy(() -> wrongKek.readKey("sealed", kid)).hasMessageContaining("does not decrypt");
            // a record moved to another kid does not open (the kid is bound as associated data)
            a.put(SharedKeyVault.KEYS, "sealed/other", sealed, null);
            SharedKeyVault vault = new SharedKeyVault(a, a.feed(), KEK, Clock.systemUTC());
            assertThatThrownBy(() -> vault.readKey("sealed", "other")).hasMessageContaining("does not decrypt");
            a.put(SharedKeyVault.KEYS, "sealed/short", new byte[] {1, 2}, null);
            assertThatThrownBy(() -> vault.readKey("sealed", "short")).hasMessageContaining("unknown format");
        }
    }

    @Test
    void theKeyEncryptionKeyFileIsChecked() throws Exception {
        Path good = dir.resolve("kek-good");
        Files.writeString(good, Base64.getEncoder().encodeToString(new byte[32]) + "\n");
        Files.setPosixFilePermissions(good, PosixFilePermissions.fromString("rw-------"));
        assertThat(SharedKeyVault.readKeyEncryptionKey(good).getEncoded()).hasSize(32);
        Path shortKey = dir.resolve("kek-short");
        Files.writeString(shortKey, Base64.getEncoder().encodeToString(new byte[16]));
        Files.setPosixFilePermissions(shortKey, PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> SharedKeyVault.readKeyEncryptionKey(shortKey)).hasMessageContaining("must hold 32 bytes");
        Path notBase64 = dir.resolve("kek-text");
        Files.writeString(notBase64, "not base64 at all!!");
        Files.setPosixFilePermissions(notBase64, PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> SharedKeyVault.readKeyEncryptionKey(notBase64)).hasMessageContaining("not base64");
        Path open = dir.resolve("kek-open");
        Files.writeString(open, Base64.getEncoder().encodeToString(new byte[32]));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> SharedKeyVault.readKeyEncryptionKey(open)).hasMessageContaining("chmod 600");
        Path huge = dir.resolve("kek-huge");
        Files.writeString(huge, "A".repeat(100_000));
        assertThatThrownBy(() -> SharedKeyVault.readKeyEncryptionKey(huge)).hasMessageContaining("too large");
    }
}
