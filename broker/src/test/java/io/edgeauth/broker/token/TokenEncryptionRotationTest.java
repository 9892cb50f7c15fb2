package io.edgeauth.broker.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWEObject;
import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.keys.FileKeyVault;
import io.edgeauth.broker.keys.SigningKeyStore;
import io.edgeauth.broker.keys.TenantKeySettings;
import io.edgeauth.broker.keys.TokenEncryptionKeys;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.testsupport.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, encryption-key rotation: after {@link TokenEncryptionKeys#rotate} new tokens (nested JWT and
 * COSE_Encrypt0) are sealed to the new pair, tokens sealed to the former pair open until the retention ends
 * (the longest token lifetime + leeway) and are refused after; the rotation is kept in the vault (a restart
 * or another node reads the same ring), and a later rotation drops keys whose retention is over.
 */
class TokenEncryptionRotationTest {
    static final Duration RETENTION = Duration.ofHours(25);

    @TempDir
    Path data;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-06-01T10:00:00Z"));
    private final Signatures signatures = new Signatures(CryptoProviders.jdk());
    private SigningKeyStore signing;
    private FileKeyVault vault;
    private TokenEncryptionKeys keys;

    @BeforeEach
    void setUp() throws Exception {
        signing = SigningKeyStore.open(data, List.of(TenantKeySettings.of("acme", "https://b/acme")),
                TokenPolicy.DEFAULT_MAX_LIFETIME, clock);
        vault = new FileKeyVault(data.resolve("enc"));
        keys = TokenEncryptionKeys.open(vault, List.of("acme"), RETENTION, clock);
    }

    private IssuedToken issue(TokenEncryptionKeys with, TokenFormat format) {
        TokenEncryption encryption = new TokenEncryption(with, Set.of(), CryptoProviders.jdk());
        return new TokenIssuer(signing, signatures, Duration.ofMinutes(5), clock, encryption)
                .issue(TokenClaims.builder("acme", "pump-7").audience("aud").build(), format);
    }

    private VerifiedToken verify(TokenEncryptionKeys with, IssuedToken token) throws TokenRejectedException {
        TokenEncryption encryption = new TokenEncryption(with, Set.of(), CryptoProviders.jdk());
        return new BrokerTokenVerifier(signing, TokenPolicy.builder().audience("aud").build(), signatures, clock,
                encryption).verify(token.bytes());
    }

    @Test
    void newTokensGoToTheNewKeyAndOldOnesOpenUntilTheRetentionEnds() throws Exception {
        IssuedToken oldJwe = issue(keys, TokenFormat.JWE);
        IssuedToken oldCwt = issue(keys, TokenFormat.CWT_ENCRYPTED);
        String oldKid = keys.forTenant("acme").orElseThrow().jweKey().getKeyID();
        assertThat(JWEObject.parse(oldJwe.asText()).getHeader().getKeyID()).isEqualTo(oldKid);

        String newKid = keys.rotate("acme").jweKey().getKeyID();
        assertThat(newKid).isNotEqualTo(oldKid);
        assertThat(keys.publicJweKeys("acme").getKeys()).singleElement()
                .satisfies(k -> assertThat(k.getKeyID()).as("only the active key is offered").isEqualTo(newKid));
        IssuedToken newJwe = issue(keys, TokenFormat.JWE);
        assertThat(JWEObject.parse(newJwe.asText()).getHeader().getKeyID()).isEqualTo(newKid);
        assertThat(verify(keys, oldJwe).subject()).isEqualTo("pump-7");
        assertThat(verify(keys, oldCwt).subject()).isEqualTo("pump-7");

        TokenEncryptionKeys restarted = TokenEncryptionKeys.open(vault, List.of("acme"), RETENTION, clock);
        assertThat(restarted.forTenant("acme").orElseThrow().jweKey().getKeyID()).as("the rotation is kept")
                .isEqualTo(newKid);
        assertThat(verify(restarted, oldJwe).subject()).isEqualTo("pump-7");

        clock.advance(RETENTION.plusSeconds(1));
        assertThatThrownBy(() -> keys.jweKey(oldKid).orElseThrow()).as("retention over");
        assertThat(keys.jweKey(newKid)).isPresent();
        assertThatThrownBy(() -> new TokenEncryption(keys, Set.of(), CryptoProviders.jdk()).openJwe(oldJwe.bytes()))
                .isInstanceOfSatisfying(TokenRejectedException.class,
                        e -> assertThat(e.reason()).isEqualTo(RejectionReason.UNKNOWN_KEY));
        String third = keys.rotate("acme").jweKey().getKeyID();
        TokenEncryptionKeys again = TokenEncryptionKeys.open(vault, List.of("acme"), RETENTION, clock);
        assertThat(again.jweKey(oldKid)).as("dropped from the vault at the next rotation").isEmpty();
        assertThat(again.jweKey(newKid)).as("the second pair decrypts for its own retention").isPresent();
        assertThat(again.forTenant("acme").orElseThrow().jweKey().getKeyID()).isEqualTo(third);
    }

    /**
     * Tour AA, AA11: a rotated-out pair's private keys (EC d, AES k) stayed in the vault until the next rotation, long
     * after no token could need them; the periodic prune removes them once their exp (rotation + the longest token
     * lifetime + leeway) is past, from the vault entry too.
     */
    @Test
    void thePruneRemovesExpiredPrivateKeysFromTheVaultWithoutARotation() throws Exception {
        String oldKid = keys.forTenant("acme").orElseThrow().jweKey().getKeyID();
        String newKid = keys.rotate("acme").jweKey().getKeyID();
        assertThat(keys.pruneExpired()).as("nothing past its exp yet").isZero();
        assertThat(vault.readKey("acme", "token-encryption")).contains(oldKid);

        clock.advance(RETENTION.plusSeconds(1));
        assertThat(keys.pruneExpired()).as("the former JWE and COSE keys").isEqualTo(2);
        assertThat(vault.readKey("acme", "token-encryption")).doesNotContain(oldKid).contains(newKid);
        assertThat(com.nimbusds.jose.jwk.JWKSet.parse(vault.readKey("acme", "token-encryption")).getKeys())
                .as("only the active pair is left").hasSize(2);
        TokenEncryptionKeys restarted = TokenEncryptionKeys.open(vault, List.of("acme"), RETENTION, clock);
        assertThat(restarted.jweKey(oldKid)).isEmpty();
        assertThat(restarted.forTenant("acme").orElseThrow().jweKey().getKeyID()).isEqualTo(newKid);
        assertThat(keys.pruneExpired()).isZero();
    }

    @Test
    void keysGivenDirectlyOrAnUnknownTenantCannotRotate() {
        TokenEncryptionKeys given = new TokenEncryptionKeys(List.of(TokenEncryptionKeys.generate("acme")));
        assertThatThrownBy(() -> given.rotate("acme")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> keys.rotate("nobody")).isInstanceOf(IllegalArgumentException.class);
    }
}
