package io.edgeauth.broker.token;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.keys.KeyResolution;
import io.edgeauth.broker.keys.VerificationKey;
import io.edgeauth.broker.refusal.TokenRejectedException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;
import javax.crypto.spec.SecretKeySpec;

/**
 * What the token fuzz targets share: a fixed clock, one HS256 and one ES256 key, a verifier that
 * knows both, and the properties every token the verifier accepts must have.
 */
final class FuzzFixtures {
    static final Instant NOW = Instant.parse("2026-01-01T10:00:00Z");
    static final String ISS = "https://fuzz.example";
    static final String AUD = "mqtt://fuzz.example";
    static final String TENANT = "fuzz";
    static final byte[] HS_SECRET = "fuzz-hs256-secret-0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    static final Signatures SIGNATURES = new Signatures(CryptoProviders.jdk());
    static final TokenPolicy POLICY = TokenPolicy.builder().audience(AUD).build();
    static final ClaimsValidator CLAIMS = new ClaimsValidator(POLICY);
    static final VerificationKey HS_KEY = new VerificationKey(ISS, "hs", new SecretKeySpec(HS_SECRET, "HmacSHA256"),
            Set.of(TokenAlgorithm.HS256), TENANT, Set.of());
    static final KeyPair EC = ecKey();
    static final VerificationKey EC_KEY = new VerificationKey(ISS, "ec", EC.getPublic(), Set.of(TokenAlgorithm.ES256),
            TENANT, Set.of());
    static final BrokerTokenVerifier VERIFIER = new BrokerTokenVerifier((iss, kid) -> {
        if (!ISS.equals(iss)) {
            return KeyResolution.unknownIssuer();
        }
        return "hs".equals(kid) ? KeyResolution.found(HS_KEY) : "ec".equals(kid) ? KeyResolution.found(EC_KEY)
                : KeyResolution.unknownKey();
    }, POLICY, SIGNATURES, Clock.fixed(NOW, ZoneOffset.UTC));

    private FuzzFixtures() {
    }

    private static KeyPair ecKey() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs the claims check on decoded claims; a refusal must carry a reason. */
    static void validate(DecodedToken d) {
        try {
            assertAccepted(CLAIMS.validate(d.format(), d.claims(), HS_KEY, "fp", NOW));
        } catch (TokenRejectedException e) {
            assertThat(e.reason()).isNotNull();
        }
    }

    /** What every accepted token must satisfy, whatever its bytes were. */
    static void assertAccepted(VerifiedToken t) {
        long now = NOW.getEpochSecond();
        long leeway = POLICY.leeway().getSeconds();
        assertThat(t.subject()).isNotEmpty();
        assertThat(t.expiresAt().getEpochSecond()).isGreaterThan(now - leeway);
        assertThat(t.issuedAt().getEpochSecond()).isLessThanOrEqualTo(now + leeway);
        assertThat(t.expiresAt().getEpochSecond() - t.issuedAt().getEpochSecond())
                .isLessThanOrEqualTo(POLICY.maxLifetime().getSeconds());
        if (t.notBefore() != null) {
            assertThat(t.notBefore().getEpochSecond()).isLessThanOrEqualTo(now + leeway);
        }
        assertThat(t.audience()).contains(AUD);
        assertThat(t.tenantId()).isEqualTo(TENANT);
    }
}
