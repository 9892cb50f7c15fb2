package io.edgeauth.broker.token;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.testsupport.MutableClock;
import static io.edgeauth.broker.token.CoseVectorsTest.assertReason;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.JWK;
import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.keys.JwkKeys;
import io.edgeauth.broker.oauth.StoreReplayGuard;
import io.edgeauth.broker.store.MvStoreStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.Key;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ClientAssertionVerifierTest {
    @TempDir
    Path dir;

    static final String ENDPOINT = "https://broker.example/oauth/token";
    /** A clock of each test's own (JUnit makes an instance per test). */
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T10:00:00Z"));

    static java.util.stream.Stream<CryptoProviders> providers() {
        return TestSupport.providers();
    }

    /**
     * The store that keeps spent jtis failing (a full disk, Redis down) is an outage to retry, not the client's fault:
     * before, the verifier's catch-all for unparseable input answered it "malformed: unparseable assertion".
     */
    @Test
    void aStoreFailureWhileSpendingTheJtiIsUnavailableNotMalformed() throws Exception {
        Signatures sig = new Signatures(CryptoProviders.jdk());
        ReplayGuard failing = (key, expiresAt) -> {
            throw new io.edgeauth.broker.store.StoreUnavailableException("redis unreachable", null);
        };
        ClientAssertionVerifier v = new ClientAssertionVerifier(Set.of(ENDPOINT), failing, sig, Duration.ofSeconds(30),
                clock);
        JWK device = JwkKeys.generate(TokenAlgorithm.ES256);
        ClientAssertionVerifier.DeviceKeys keys = d -> Optional.of(device.toPublicJWK());
        long now = clock.instant().getEpochSecond();
        String a = assertion(TokenAlgorithm.ES256, JwkKeys.privateKey(device), new LinkedHashMap<>(Map.of("iss", "d1",
                "sub", "d1", "aud", ENDPOINT, "exp", now + 120, "iat", now, "jti", "j1")), sig);
        assertReason(() -> v.verify(a, keys), RejectionReason.UNAVAILABLE);
    }

    @ParameterizedTest
    @MethodSource("providers")
    void deviceAssertionAcceptedOnceForEveryKeyType(CryptoProviders p) throws Exception {
        Signatures sig = new Signatures(p);
        ClientAssertionVerifier v = new ClientAssertionVerifier(Set.of(ENDPOINT, "https://broker.example"),
                new InMemoryReplayGuard(10_000, clock), sig, Duration.ofSeconds(30), clock);
        for (TokenAlgorithm alg : new TokenAlgorithm[] {TokenAlgorithm.ES256, TokenAlgorithm.EDDSA, TokenAlgorithm.RS256}) {
            JWK device = JwkKeys.generate(alg);
            String id = "dev-" + alg;
            ClientAssertionVerifier.DeviceKeys keys = d -> d.equals(id) ? Optional.of(device.toPublicJWK()) : Optional.empty();
            Key priv = JwkKeys.privateKey(device);
            long now = clock.instant().getEpochSecond();
            Map<String, Object> c = new LinkedHashMap<>(Map.of("iss", id, "sub", id, "aud", ENDPOINT, "exp", now + 120,
                    "iat", now, "jti", "a-" + alg));
            String a = assertion(alg, priv, c, sig);
            ClientAssertion ok = v.verify(a, keys);
            assertThat(ok.clientId()).isEqualTo(id);
            assertThat(ok.keyThumbprint()).isEqualTo(JwkKeys.thumbprint(device.toPublicJWK()));
            assertReason(() -> v.verify(a, keys), RejectionReason.REPLAYED);

            Map<String, Object> c2 = new LinkedHashMap<>(c);
            c2.put("jti", "b-" + alg);
            c2.put("sub", "someone-else");
            assertReason(() -> v.verify(assertion(alg, priv, c2, sig), keys), RejectionReason.CLIENT_ID_MISMATCH);
            c2.put("sub", id);
            c2.put("exp", now + 301 + 30);
            assertReason(() -> v.verify(assertion(alg, priv, c2, sig), keys), RejectionReason.LIFETIME_TOO_LONG);
            c2.put("exp", now - 31);
            assertReason(() -> v.verify(assertion(alg, priv, c2, sig), keys), RejectionReason.EXPIRED);
            c2.remove("exp");
            assertReason(() -> v.verify(assertion(alg, priv, c2, sig), keys), RejectionReason.MISSING_CLAIM);
            c2.put("exp", now + 60);
            c2.put("aud", "https://other.example");
            assertReason(() -> v.verify(assertion(alg, priv, c2, sig), keys), RejectionReason.WRONG_AUDIENCE);
            assertThatThrownBy(() -> v.verify(assertion(alg, priv, c2, sig), keys)).as("says what aud to send")
                    .hasMessageContaining(ENDPOINT);
            c2.put("aud", "https://broker.example");
            c2.remove("jti");
            assertReason(() -> v.verify(assertion(alg, priv, c2, sig), keys), RejectionReason.MISSING_CLAIM);
            c2.put("jti", "b-" + alg);
            c2.put("iss", "unknown-dev");
            c2.put("sub", "unknown-dev");
            assertReason(() -> v.verify(assertion(alg, priv, c2, sig), keys), RejectionReason.UNKNOWN_DEVICE);
            c2.put("iss", id);
            c2.put("sub", id);
            // HMAC with the device's public key as secret, and an alg of another key type
            byte[] pub = JwkKeys.publicKey(device).getEncoded();
            assertReason(() -> v.verify(assertion(TokenAlgorithm.HS256, new SecretKeySpec(pub, "HmacSHA256"), c2, sig), keys),
                    RejectionReason.UNSUPPORTED_ALGORITHM);
            JWK other = JwkKeys.generate(alg == TokenAlgorithm.ES256 ? TokenAlgorithm.EDDSA : TokenAlgorithm.ES256);
            TokenAlgorithm otherAlg = alg == TokenAlgorithm.ES256 ? TokenAlgorithm.EDDSA : TokenAlgorithm.ES256;
            assertReason(() -> v.verify(assertion(otherAlg, JwkKeys.privateKey(other), c2, sig), keys), RejectionReason.UNSUPPORTED_ALGORITHM);
            // signed by a different key of the right type
            JWK stranger = JwkKeys.generate(alg);
            assertReason(() -> v.verify(assertion(alg, JwkKeys.privateKey(stranger), c2, sig), keys), RejectionReason.BAD_SIGNATURE);
            // the failed attempts above did not burn jti b-: the real device can still use it
            assertThat(v.verify(assertion(alg, priv, c2, sig), keys).tokenId()).isEqualTo("b-" + alg);
            assertReason(() -> v.verify("not a jwt", keys), RejectionReason.MALFORMED);
        }
    }

    /**
     * The enrollment front reads an assertion once and verifies that form: its x5c comes through as it was read, its
     * jti is the same one the text would spend, and a header carrying one device's certificate is not kept in the
     * decoder's header cache (it would push the shared headers out on every first enrollment).
     */
    @ParameterizedTest
    @MethodSource("providers")
    void anAssertionReadOnceIsVerifiedAsReadAndItsX5cHeaderIsNotCached(CryptoProviders p) throws Exception {
        Signatures sig = new Signatures(p);
        ClientAssertionVerifier v = verifier(sig);
        JWK device = JwkKeys.generate(TokenAlgorithm.ES256);
        ClientAssertionVerifier.DeviceKeys keys = d -> d.equals("dev-x") ? Optional.of(device.toPublicJWK()) : Optional.empty();
        long now = clock.instant().getEpochSecond();
        Map<String, Object> claims = new LinkedHashMap<>(Map.of("iss", "dev-x", "sub", "dev-x", "aud", ENDPOINT,
                "exp", now + 120, "jti", "once-" + p));
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("alg", "ES256");
        header.put("x5c", java.util.List.of("MIIB" + p, "MIIC"));
        String withChain = new String(TestSupport.jws(header, claims, TokenAlgorithm.ES256,
                JwkKeys.privateKey(device), sig), StandardCharsets.US_ASCII);

        DecodedAssertion decoded = ClientAssertionVerifier.decode(withChain);
        assertThat(decoded.algorithm()).isEqualTo(TokenAlgorithm.ES256);
        assertThat(decoded.issuer()).isEqualTo("dev-x");
        assertThat(decoded.x5c()).isEqualTo(java.util.List.of("MIIB" + p, "MIIC"));
        assertThat(JwtDecoder.headerCached(withChain.getBytes(StandardCharsets.US_ASCII))).as("x5c header").isFalse();
        assertThat(v.verify(decoded, keys).keyThumbprint()).isEqualTo(JwkKeys.thumbprint(device.toPublicJWK()));
        assertReason(() -> v.verify(withChain, keys), RejectionReason.REPLAYED);

        claims.put("jti", "plain-" + p);
        String plain = assertion(TokenAlgorithm.ES256, JwkKeys.privateKey(device), claims, sig);
        assertThat(ClientAssertionVerifier.decode(plain).x5c()).isNull();
        assertThat(JwtDecoder.headerCached(plain.getBytes(StandardCharsets.US_ASCII))).as("shared header").isTrue();
        assertThat(v.verify(plain, keys).clientId()).isEqualTo("dev-x");
    }

    /**
     * The verifier accepts an assertion until its {@code exp} plus the leeway, so the durable guard must refuse its replay
     * as long: its entry used to live only until {@code exp}, which let a replay through in the leeway after it.
     */
    @ParameterizedTest
    @MethodSource("providers")
    void aReplayInTheLeewayAfterExpIsRefusedByTheDurableGuard(CryptoProviders p) throws Exception {
        Signatures sig = new Signatures(p);
        try (MvStoreStore store = new MvStoreStore(dir.resolve("guard-" + p + ".mv"), clock)) {
            ClientAssertionVerifier v = new ClientAssertionVerifier(Set.of(ENDPOINT), new StoreReplayGuard(store, clock), sig,
                    Duration.ofSeconds(30), clock);
            JWK device = JwkKeys.generate(TokenAlgorithm.ES256);
            ClientAssertionVerifier.DeviceKeys keys = d -> d.equals("dev-l") ? Optional.of(device.toPublicJWK()) : Optional.empty();
            long now = clock.instant().getEpochSecond();
            String a = assertion(TokenAlgorithm.ES256, JwkKeys.privateKey(device), new LinkedHashMap<>(Map.of("iss", "dev-l",
                    "sub", "dev-l", "aud", ENDPOINT, "exp", now + 60, "jti", "leeway")), sig);
            assertThat(v.verify(a, keys).tokenId()).isEqualTo("leeway");
            clock.advance(Duration.ofSeconds(75)); // 15 s after exp: within the leeway, so the signature still counts
            assertReason(() -> v.verify(a, keys), RejectionReason.REPLAYED);
            clock.advance(Duration.ofSeconds(16)); // 31 s after exp
            assertReason(() -> v.verify(a, keys), RejectionReason.EXPIRED);
        }
    }

    @ParameterizedTest
    @MethodSource("providers")
    void anAssertionCheckedWithTheKeyAtHandNamesOnlyThatClientAndThatKey(CryptoProviders p) throws Exception {
        Signatures sig = new Signatures(p);
        ClientAssertionVerifier v = verifier(sig);
        JWK device = JwkKeys.generate(TokenAlgorithm.ES256);
        JWK other = JwkKeys.generate(TokenAlgorithm.ES256);
        long now = clock.instant().getEpochSecond();
        Map<String, Object> c = new LinkedHashMap<>(Map.of("iss", "dev-1", "sub", "dev-1", "aud", ENDPOINT,
                "exp", now + 120, "iat", now, "jti", "k-1"));
        java.security.PublicKey key = JwkKeys.publicKey(device.toPublicJWK());

        ClientAssertion ok = v.verify(ClientAssertionVerifier.decode(assertion(TokenAlgorithm.ES256,
                JwkKeys.privateKey(device), c, sig)), "dev-1", device.toPublicJWK(), key);
        assertThat(ok.clientId()).isEqualTo("dev-1");
        assertThat(ok.keyThumbprint()).isEqualTo(JwkKeys.thumbprint(device.toPublicJWK()));

        c.put("jti", "k-2"); // signed by another key than the one at hand
        String forged = assertion(TokenAlgorithm.ES256, JwkKeys.privateKey(other), c, sig);
        assertReason(() -> v.verify(ClientAssertionVerifier.decode(forged), "dev-1", device.toPublicJWK(), key),
                RejectionReason.BAD_SIGNATURE);
        c.put("iss", "dev-2");
        c.put("sub", "dev-2"); // another client than the one whose key is at hand
        String elsewhere = assertion(TokenAlgorithm.ES256, JwkKeys.privateKey(device), c, sig);
        assertReason(() -> v.verify(ClientAssertionVerifier.decode(elsewhere), "dev-1", device.toPublicJWK(), key),
                RejectionReason.UNKNOWN_DEVICE);
    }

    /**
     * A device whose clock is 10 minutes fast signs iat and exp 10 minutes ahead: the cause is its clock (iat in the
     * future), not a long lifetime; one 10 minutes slow signs an expired assertion. Both refusals give the broker's
     * time, so the device (or its operator) sees the skew (tour N, N8).
     */
    @org.junit.jupiter.api.Test
    void aDeviceClockOffIsNamedWithTheBrokersTime() throws Exception {
        Signatures sig = new Signatures(CryptoProviders.jdk());
        ClientAssertionVerifier v = verifier(sig);
        JWK device = JwkKeys.generate(TokenAlgorithm.ES256);
        ClientAssertionVerifier.DeviceKeys keys = d -> d.equals("dev-1") ? Optional.of(device.toPublicJWK()) : Optional.empty();
        for (long skew : new long[] {600, -600}) {
            long deviceNow = clock.instant().getEpochSecond() + skew;
            Map<String, Object> c = new LinkedHashMap<>(Map.of("iss", "dev-1", "sub", "dev-1", "aud", ENDPOINT,
                    "exp", deviceNow + 60, "iat", deviceNow, "jti", "j" + skew));
            String a = assertion(TokenAlgorithm.ES256, JwkKeys.privateKey(device), c, sig);
            assertReason(() -> v.verify(a, keys), skew > 0 ? RejectionReason.ISSUED_IN_FUTURE : RejectionReason.EXPIRED);
            assertThatThrownBy(() -> v.verify(a, keys)).as("skew " + skew).hasMessageContaining("2026-01-01T10:00:00Z")
                    .hasMessageContaining("clock");
        }
    }

    /** A verifier for {@link #ENDPOINT} with an in-memory replay guard and 30 s of leeway. */
    private ClientAssertionVerifier verifier(Signatures sig) {
        return new ClientAssertionVerifier(Set.of(ENDPOINT), new InMemoryReplayGuard(10_000, clock), sig,
                Duration.ofSeconds(30), clock);
    }

    static String assertion(TokenAlgorithm alg, Key key, Map<String, Object> claims, Signatures sig) throws Exception {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("alg", alg.joseName());
        h.put("typ", "JWT");
        return new String(TestSupport.jws(h, claims, alg, key, sig), StandardCharsets.US_ASCII);
    }
}
