package io.edgeauth.broker.keys;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.testsupport.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.util.Base64URL;
import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.token.BrokerTokenVerifier;
import io.edgeauth.broker.token.TestSupport;
import io.edgeauth.broker.token.TokenPolicy;
import io.edgeauth.broker.token.VerifiedToken;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrustedIssuersTest {
    @TempDir
    Path dir;
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T10:00:00Z"));

    @Test
    void fileJwksKeysVerifyTokensAndMapTheTenant() throws Exception {
        JWK es = JwkKeys.generate(TokenAlgorithm.ES256);
        JWK rsa = JwkKeys.generate(TokenAlgorithm.RS256);
        JWK oct = new OctetSequenceKey.Builder(Base64URL.encode(new byte[32])).keyID("sym").build();
        Path file = dir.resolve("jwks.json");
        Files.writeString(file, new JWKSet(List.of(es.toPublicJWK(), rsa.toPublicJWK(), oct)).toString(false));
        TrustedIssuerSettings s = new TrustedIssuerSettings("https://idp.example", file, null, null, null,
                Set.of(TokenAlgorithm.ES256), Set.of("edge"), "partner");
        try (TrustedIssuers ti = new TrustedIssuers(List.of(s), uri -> { throw new IOException("no fetch"); }, clock)) {
            ti.start(null);
            assertThat(ti.resolve("https://idp.example", es.getKeyID()).isFound()).isTrue();
            // RSA not in the allowed algorithms, oct never taken from a JWKS
            assertThat(ti.resolve("https://idp.example", rsa.getKeyID()).miss()).isEqualTo(RejectionReason.UNKNOWN_KEY);
            assertThat(ti.resolve("https://idp.example", "sym").miss()).isEqualTo(RejectionReason.UNKNOWN_KEY);
            assertThat(ti.resolve("https://other", es.getKeyID()).miss()).isEqualTo(RejectionReason.UNKNOWN_ISSUER);

            Signatures sig = new Signatures(CryptoProviders.jdk());
            BrokerTokenVerifier v = new BrokerTokenVerifier(ti, TokenPolicy.builder().audience("own-aud").build(), sig, clock);
            long now = clock.instant().getEpochSecond();
            Map<String, Object> claims = new LinkedHashMap<>(Map.of("iss", "https://idp.example", "sub", "d1", "aud", "edge",
                    "iat", now, "exp", now + 60));
            Map<String, Object> header = new LinkedHashMap<>(Map.of("alg", "ES256", "kid", es.getKeyID()));
            VerifiedToken t = v.verify(TestSupport.jws(header, claims, TokenAlgorithm.ES256, JwkKeys.privateKey(es), sig));
            assertThat(t.tenantId()).isEqualTo("partner");
            claims.put("aud", "own-aud"); // the issuer's own audiences apply, not the broker default
            byte[] wrongAud = TestSupport.jws(header, claims, TokenAlgorithm.ES256, JwkKeys.privateKey(es), sig);
            assertThatThrownBy(() -> v.verify(wrongAud)).isInstanceOf(TokenRejectedException.class)
                    .extracting(e -> ((TokenRejectedException) e).reason()).isEqualTo(RejectionReason.WRONG_AUDIENCE);
        }
    }

    @Test
    void fetchedJwksGoesStaleAfterMaxStale() throws Exception {
        JWK k1 = JwkKeys.generate(TokenAlgorithm.EDDSA);
        AtomicReference<String> body = new AtomicReference<>(new JWKSet(k1.toPublicJWK()).toString());
        List<URI> fetched = new ArrayList<>();
        JwksFetcher fetcher = uri -> {
            fetched.add(uri);
            String b = body.get();
            if (b == null) {
                throw new IOException("down");
            }
            return b;
        };
        TrustedIssuerSettings s = new TrustedIssuerSettings("https://idp", null, URI.create("https://idp/jwks"),
                Duration.ofMinutes(1), Duration.ofMinutes(10), Set.of(TokenAlgorithm.EDDSA, TokenAlgorithm.ES256), Set.of("a"), null);
        TrustedIssuers ti = new TrustedIssuers(List.of(s), fetcher, clock);
        assertThat(ti.resolve("https://idp", k1.getKeyID()).miss()).isEqualTo(RejectionReason.UNKNOWN_KEY); // not loaded yet
        assertThat(ti.refresh("https://idp")).isTrue();
        assertThat(fetched).containsExactly(URI.create("https://idp/jwks"));
        assertThat(ti.resolve("https://idp", k1.getKeyID()).key().algorithms()).containsExactly(TokenAlgorithm.EDDSA);

        body.set(null); // the issuer is down: keep the last good keys for maxStale
        clock.advance(Duration.ofMinutes(9));
        assertThat(ti.refresh("https://idp")).isFalse();
        assertThat(ti.resolve("https://idp", k1.getKeyID()).isFound()).isTrue();
        clock.advance(Duration.ofMinutes(1).plusSeconds(1));
        assertThat(ti.resolve("https://idp", k1.getKeyID()).miss()).isEqualTo(RejectionReason.UNKNOWN_KEY);

        JWK k2 = JwkKeys.generate(TokenAlgorithm.ES256);
        body.set(new JWKSet(k2.toPublicJWK()).toString());
        assertThat(ti.refresh("https://idp")).isTrue();
        assertThat(ti.resolve("https://idp", k2.getKeyID()).isFound()).isTrue();
        assertThat(ti.resolve("https://idp", k1.getKeyID()).isFound()).isFalse(); // rotated out by the issuer
        body.set("{garbage");
        assertThat(ti.refresh("https://idp")).isFalse();
        assertThat(ti.resolve("https://idp", k2.getKeyID()).isFound()).isTrue();
    }

    /** revocation.md: keys stale past maxStale are not trusted; this held for a URL only, not for a file. */
    @Test
    void aFileJwksGoesStaleAfterMaxStaleToo() throws Exception {
        JWK k = JwkKeys.generate(TokenAlgorithm.ES256);
        Path file = dir.resolve("stale.json");
        Files.writeString(file, new JWKSet(k.toPublicJWK()).toString());
        TrustedIssuerSettings s = new TrustedIssuerSettings("https://idp", file, null, Duration.ofSeconds(10),
                Duration.ofSeconds(20), Set.of(TokenAlgorithm.ES256), Set.of("a"), null);
        TrustedIssuers ti = new TrustedIssuers(List.of(s), uri -> "", clock);
        assertThat(ti.refresh("https://idp")).isTrue();
        Files.writeString(file, "not json");
        clock.advance(Duration.ofSeconds(15));
        assertThat(ti.refresh("https://idp")).isFalse();
        assertThat(ti.resolve("https://idp", k.getKeyID()).isFound()).isTrue(); // within maxStale
        clock.advance(Duration.ofSeconds(6));
        assertThat(ti.resolve("https://idp", k.getKeyID()).miss()).isEqualTo(RejectionReason.UNKNOWN_KEY);
    }

    @Test
    void chainAsksEachResolver() throws Exception {
        JWK k = JwkKeys.generate(TokenAlgorithm.ES256);
        Path file = dir.resolve("j.json");
        Files.writeString(file, new JWKSet(k.toPublicJWK()).toString());
        TrustedIssuers ti = new TrustedIssuers(List.of(new TrustedIssuerSettings("https://idp", file, null, null, null,
                null, Set.of("a"), null)), uri -> "", clock);
        ti.refresh("https://idp");
        SigningKeyStore own = SigningKeyStore.open(dir.resolve("data"), List.of(TenantKeySettings.of("t", "https://own")),
                Duration.ofMinutes(10), clock);
        KeyResolver chain = KeyResolver.chain(own, ti);
        assertThat(chain.resolve("https://idp", k.getKeyID()).isFound()).isTrue();
        assertThat(chain.resolve("https://own", own.activeKey("t").kid()).isFound()).isTrue();
        assertThat(chain.resolve("https://own", k.getKeyID()).miss()).isEqualTo(RejectionReason.UNKNOWN_KEY);
        assertThat(chain.resolve("https://x", "y").miss()).isEqualTo(RejectionReason.UNKNOWN_ISSUER);
    }

    @Test
    void settingsRefuseHttpHmacAndMissingSource() {
        assertThatThrownBy(() -> new TrustedIssuerSettings("i", null, URI.create("http://idp/jwks"), null, null, null, Set.of("a"), null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TrustedIssuerSettings("i", null, URI.create("https://idp/jwks"), null, null,
                Set.of(TokenAlgorithm.HS256), Set.of("a"), null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TrustedIssuerSettings("i", null, null, null, null, null, Set.of("a"), null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TrustedIssuerSettings("i", null, URI.create("https://idp/jwks"), null, null, null, Set.of(), null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aRefreshTellsWhichKeysLeftTheJwksOrChangedUnderTheirKid() throws Exception {
        JWK k1 = JwkKeys.generate(TokenAlgorithm.ES256);
        JWK k2 = JwkKeys.generate(TokenAlgorithm.ES256);
        Path file = dir.resolve("drop.json");
        Files.writeString(file, new JWKSet(List.of(k1.toPublicJWK(), k2.toPublicJWK())).toString());
        TrustedIssuerSettings s = new TrustedIssuerSettings("https://idp.example", file, null, null, null,
                Set.of(TokenAlgorithm.ES256), Set.of("edge"), null);
        List<String> dropped = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (TrustedIssuers ti = new TrustedIssuers(List.of(s), uri -> { throw new IOException("no fetch"); }, clock)) {
            ti.onKeysDropped((issuer, kid) -> dropped.add(issuer + " " + kid));
            ti.start(null);
            assertThat(dropped).as("the first load drops nothing").isEmpty();
            Files.writeString(file, new JWKSet(k2.toPublicJWK()).toString());
            assertThat(ti.refresh("https://idp.example")).isTrue();
            assertThat(dropped).containsExactly("https://idp.example " + k1.getKeyID());
            Files.writeString(file, "{\"keys\": [");
            assertThat(ti.refresh("https://idp.example")).as("a failed refresh keeps the keys").isFalse();
            assertThat(dropped).hasSize(1);
            JWK otherUnderK2 = new com.nimbusds.jose.jwk.ECKey.Builder(
                    (com.nimbusds.jose.jwk.ECKey) JwkKeys.generate(TokenAlgorithm.ES256).toPublicJWK()).keyID(k2.getKeyID()).build();
            Files.writeString(file, new JWKSet(otherUnderK2).toString());
            assertThat(ti.refresh("https://idp.example")).isTrue();
            assertThat(dropped).containsExactly("https://idp.example " + k1.getKeyID(), "https://idp.example " + k2.getKeyID());
        }
    }
}
