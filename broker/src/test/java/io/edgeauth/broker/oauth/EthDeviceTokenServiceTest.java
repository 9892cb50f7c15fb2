package io.edgeauth.broker.oauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.SignedJWT;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.revocation.SubjectBlocks;
import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.keys.SigningKeyStore;
import io.edgeauth.broker.keys.TenantKeySettings;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.store.MvStoreStore;
import io.edgeauth.broker.testsupport.MutableClock;
import io.edgeauth.broker.testsupport.Wallets;
import io.edgeauth.broker.token.IssuedToken;
import io.edgeauth.broker.token.TokenFormat;
import io.edgeauth.broker.token.TokenIssuer;
import io.edgeauth.wallet.SignatureRecoveries;
import io.edgeauth.wallet.SignatureRecovery;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.utils.Numeric;

/** Challenge-signing device login: single use, expiry, binding to the device, canonical signatures. */
class EthDeviceTokenServiceTest {
    private static final BigInteger N = new BigInteger("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16);

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
    private final List<String> audit = new CopyOnWriteArrayList<>();
    private MvStoreStore store;
    private DeviceRegistry registry;
    private TokenIssuer issuer;
    private ECKeyPair key;

    @BeforeEach
    void setUp() throws Exception {
        store = new MvStoreStore(dir.resolve("s.mv"), clock);
        registry = new DeviceRegistry(store);
        SigningKeyStore keys = SigningKeyStore.open(dir, List.of(new TenantKeySettings("default",
                "https://broker.test", TokenAlgorithm.ES256, null)), Duration.ofMinutes(10), clock);
        issuer = new TokenIssuer(keys, new Signatures(CryptoProviders.jdk()), Duration.ofMinutes(10), clock);
        key = Keys.createEcKeyPair();
        registry.register(new Device("eth-1", "default", new Device.Credential(Device.CredentialType.ETH_ADDRESS,
                Wallets.address(key)), List.of("u33d"), null, "did:pkh:eip155:1:" + Wallets.address(Keys.createEcKeyPair()),
                clock.instant()));
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    static Stream<SignatureRecovery> recoveries() {
        return SignatureRecoveries.nativeAvailable()
                ? Stream.of(SignatureRecoveries.web3j(), SignatureRecoveries.nativeRecovery())
                : Stream.of(SignatureRecoveries.web3j());
    }

    private EthDeviceTokenService service(SignatureRecovery recovery) {
        return new EthDeviceTokenService(store, registry, recovery, issuer, SubjectBlocks.NONE,
                tenant -> java.util.Set.of("telemetry"), List.of("edgeauth"), "eu-1",
                Duration.ofMinutes(2), clock, (e, o, f) -> audit.add(e + " " + o), new SimpleMeterRegistry());
    }

    @ParameterizedTest
    @MethodSource("recoveries")
    void signedChallengeGivesATokenWithTheRegistryClaims(SignatureRecovery recovery) throws Exception {
        EthDeviceTokenService s = service(recovery);
        EthDeviceTokenService.Challenge c = s.challenge("eth-1");
        assertThat(c.text()).contains("Device: eth-1").contains("Challenge: ");
        assertThat(c.expiresAt()).isEqualTo(clock.instant().plus(Duration.ofMinutes(2)));
        IssuedToken token = s.login("eth-1", c.text(), Wallets.personalSign(c.text(), key), TokenFormat.JWT, "telemetry pub:x", "test");
        var claims = SignedJWT.parse(token.asText()).getJWTClaimsSet();
        assertThat(claims.getSubject()).isEqualTo("eth-1");
        assertThat(claims.getStringClaim("owner")).startsWith("did:pkh:eip155:1:");
        assertThat(claims.getStringClaim("region")).isEqualTo("eu-1");
        assertThat(claims.getStringListClaim("geo")).containsExactly("u33d");
        assertThat(String.valueOf(claims.getClaim("scope"))).isEqualTo("telemetry"); // topic grants are not self-service
        assertThat(audit).contains("token.issued ok");

        EthDeviceTokenService.Challenge c2 = s.challenge("eth-1");
        assertThat(c2.text()).isNotEqualTo(c.text());
        assertThat(s.login("eth-1", c2.text(), Wallets.personalSign(c2.text(), key), TokenFormat.CWT, null, "test").format())
                .isEqualTo(TokenFormat.CWT);
    }

    /**
     * A challenge is spent by the login it succeeds for, once. A failed attempt leaves it to the device: before
     * 2026-12-06 a failed attempt spent it too, so anyone who saw a device's challenge could void its login.
     */
    @Test
    void aChallengeIsSpentOnceBySuccessAndNotByAFailedAttempt() throws Exception {
        EthDeviceTokenService s = service(SignatureRecoveries.best());
        EthDeviceTokenService.Challenge c = s.challenge("eth-1");
        String good = Wallets.personalSign(c.text(), key);
        s.login("eth-1", c.text(), good, TokenFormat.JWT, null, "test");
        assertRefused(() -> s.login("eth-1", c.text(), good, TokenFormat.JWT, null, "test"), RejectionReason.REPLAYED);

        EthDeviceTokenService.Challenge c2 = s.challenge("eth-1");
        assertRefused(() -> s.login("eth-1", c2.text(), Wallets.personalSign(c2.text(), Keys.createEcKeyPair()),
                TokenFormat.JWT, null, "test"), RejectionReason.BAD_SIGNATURE);
        assertRefused(() -> s.login("eth-2", c2.text(), Wallets.personalSign(c2.text(), key), TokenFormat.JWT, null,
                "test"), RejectionReason.REPLAYED); // issued to another device
        String signed = Wallets.personalSign(c2.text(), key);
        assertThat(s.login("eth-1", c2.text(), signed, TokenFormat.JWT, null, "test").format()).isEqualTo(TokenFormat.JWT);
        assertRefused(() -> s.login("eth-1", c2.text(), signed, TokenFormat.JWT, null, "test"), RejectionReason.REPLAYED);
        assertThat(audit).contains("token.refused replayed", "token.refused bad_signature");
    }

    @Test
    void expiredChallengesAreRefused() throws Exception {
        EthDeviceTokenService s = service(SignatureRecoveries.best());
        EthDeviceTokenService.Challenge c = s.challenge("eth-1");
        clock.advance(Duration.ofMinutes(2));
        assertThatThrownBy(() -> s.login("eth-1", c.text(), Wallets.personalSign(c.text(), key), TokenFormat.JWT, null, "t"))
                .isInstanceOfSatisfying(TokenRejectedException.class, e -> assertThat(e.reason())
                        .isIn(RejectionReason.EXPIRED, RejectionReason.REPLAYED));
        EthDeviceTokenService.Challenge fresh = s.challenge("eth-1");
        clock.advance(Duration.ofSeconds(119));
        assertThat(s.login("eth-1", fresh.text(), Wallets.personalSign(fresh.text(), key), TokenFormat.JWT, null, "t"))
                .isNotNull();
    }

    @Test
    void challengesAreBoundToTheirDeviceAndOnlyForEthereumDevices() throws Exception {
        ECKeyPair other = Keys.createEcKeyPair();
        registry.register(new Device("eth-2", "default", new Device.Credential(Device.CredentialType.ETH_ADDRESS,
                Wallets.address(other)), List.of(), null, null, clock.instant()));
        registry.register(new Device("jwk-1", "default", new Device.Credential(Device.CredentialType.X5T_S256,
                "A".repeat(43)), List.of(), null, null, clock.instant()));
        EthDeviceTokenService s = service(SignatureRecoveries.best());
        EthDeviceTokenService.Challenge forOne = s.challenge("eth-1");
        assertRefused(() -> s.login("eth-2", forOne.text(), Wallets.personalSign(forOne.text(), other), TokenFormat.JWT,
                null, "t"), RejectionReason.REPLAYED);
        // any id gets a challenge (the answer must not tell which ids exist); only the device can use it
        for (String id : new String[] {"nobody", "jwk-1"}) {
            EthDeviceTokenService.Challenge c = s.challenge(id);
            assertRefused(() -> s.login(id, c.text(), Wallets.personalSign(c.text(), key), TokenFormat.JWT, null, "t"),
                    RejectionReason.BAD_SIGNATURE);
        }
        assertRefused(() -> s.login("eth-1", "made up", "0x00", TokenFormat.JWT, null, "t"), RejectionReason.REPLAYED);
    }

    @Test
    void malformedAndHighSSignaturesAreRefused() throws Exception {
        EthDeviceTokenService s = service(SignatureRecoveries.best());
        EthDeviceTokenService.Challenge c = s.challenge("eth-1");
        assertRefused(() -> s.login("eth-1", c.text(), "0x1234", TokenFormat.JWT, null, "t"), RejectionReason.MALFORMED);
        // the malleable twin (n - s, flipped v) of a valid signature recovers the same key: refused (EIP-2)
        EthDeviceTokenService.Challenge c2 = s.challenge("eth-1");
        byte[] sig = Numeric.hexStringToByteArray(Wallets.personalSign(c2.text(), key));
        BigInteger sValue = new BigInteger(1, java.util.Arrays.copyOfRange(sig, 32, 64));
        byte[] high = Numeric.toBytesPadded(N.subtract(sValue), 32);
        System.arraycopy(high, 0, sig, 32, 32);
        sig[64] = (byte) (sig[64] == 27 ? 28 : 27);
        assertRefused(() -> s.login("eth-1", c2.text(), Numeric.toHexString(sig), TokenFormat.JWT, null, "t"),
                RejectionReason.MALFORMED);
    }

    private static void assertRefused(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, RejectionReason reason) {
        assertThatThrownBy(call).isInstanceOfSatisfying(TokenRejectedException.class,
                e -> assertThat(e.reason()).isEqualTo(reason));
    }
}
