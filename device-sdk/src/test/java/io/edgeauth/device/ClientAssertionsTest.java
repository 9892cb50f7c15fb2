package io.edgeauth.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.edgeauth.device.internal.Ed25519Support;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClientAssertionsTest {
    private static final String AUD = "https://broker.example:8443/oauth/token";
    private static final Instant NOW = Instant.parse("2026-01-01T10:00:00Z");

    @Test
    void aDeviceOfAnEnrollmentGroupSignsWithItsGroupDerivedKey() throws Exception {
        byte[] key = new byte[32];
        java.util.Arrays.fill(key, (byte) 7);
        ClientAssertions a = ClientAssertions.groupBuilder("meter-17", "sensors", key).audience(AUD)
                .clock(Clock.fixed(NOW, ZoneOffset.UTC)).build();

        SignedJWT jwt = SignedJWT.parse(a.create());
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.HS256);
        assertThat(jwt.getHeader().getKeyID()).isEqualTo("sensors");
        assertThat(jwt.verify(new com.nimbusds.jose.crypto.MACVerifier(key))).isTrue();
        JWTClaimsSet c = jwt.getJWTClaimsSet();
        assertThat(c.getIssuer()).isEqualTo("meter-17").isEqualTo(c.getSubject());
        assertThat(c.getAudience()).containsExactly(AUD);
        assertThat(a.deviceId()).isEqualTo("meter-17");
        assertThat(a.identity()).isNull();
        assertThatThrownBy(() -> ClientAssertions.groupBuilder("meter-17", "sensors", new byte[16]))
                .isInstanceOf(IllegalArgumentException.class);
        // a setting that would not apply is refused, not ignored
        assertThatThrownBy(() -> ClientAssertions.groupBuilder("meter-17", "sensors", key).audience(AUD)
                .signatureProvider(java.security.Security.getProviders()[0]).build())
                .isInstanceOf(IllegalStateException.class);
        java.security.cert.X509Certificate leaf = testLeaf();
        assertThatThrownBy(() -> ClientAssertions.groupBuilder("meter-17", "sensors", key).audience(AUD)
                .certificateChain(List.of(leaf)).build()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aCertificateChainTravelsInTheX5cHeaderOfEveryAssertion() throws Exception {
        java.security.cert.X509Certificate leaf = testLeaf();
        DeviceIdentity id = DeviceIdentity.generate("dev-x5c");
        ClientAssertions a = ClientAssertions.builder(id).audience(AUD).certificateChain(List.of(leaf)).build();

        SignedJWT jwt = SignedJWT.parse(a.create());
        assertThat(jwt.getHeader().getX509CertChain()).hasSize(1);
        assertThat(jwt.getHeader().getX509CertChain().get(0).decode()).isEqualTo(leaf.getEncoded());
        assertThat(jwt.verify(new ECDSAVerifier((ECKey) JWK.parse(id.publicJwk().toJSONString())))).isTrue();
        // without a chain, no x5c
        assertThat(SignedJWT.parse(ClientAssertions.builder(id).audience(AUD).build().create()).getHeader().getX509CertChain())
                .isNull();
    }

    @Test
    void es256AssertionHasRfc7523ClaimsAndVerifiesAgainstPublicJwk() throws Exception {
        DeviceIdentity id = DeviceIdentity.generate("dev-42");
        ClientAssertions a = ClientAssertions.builder(id).audience(AUD).clock(Clock.fixed(NOW, ZoneOffset.UTC)).build();

        SignedJWT jwt = SignedJWT.parse(a.create());
        // verified with nothing but the public JWK, as the broker would
        JWK pub = JWK.parse(id.publicJwk().toJSONString());
        assertThat(jwt.verify(new ECDSAVerifier((ECKey) pub))).isTrue();
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
        assertThat(jwt.getHeader().getKeyID()).isEqualTo(id.thumbprint()).isEqualTo(pub.computeThumbprint().toString());

        JWTClaimsSet c = jwt.getJWTClaimsSet();
        assertThat(c.getIssuer()).isEqualTo("dev-42");
        assertThat(c.getSubject()).isEqualTo("dev-42");
        assertThat(c.getAudience()).isEqualTo(List.of(AUD));
        assertThat(c.getIssueTime().toInstant()).isEqualTo(NOW);
        assertThat(c.getExpirationTime().toInstant()).isEqualTo(NOW.plus(ClientAssertions.DEFAULT_LIFETIME));
        assertThat(Duration.between(c.getIssueTime().toInstant(), c.getExpirationTime().toInstant())).isLessThanOrEqualTo(Duration.ofMinutes(5));
        assertThat(c.getJWTID()).hasSizeGreaterThanOrEqualTo(22);
    }

    @Test
    void ed25519AssertionVerifiesWithTheJdk() throws Exception {
        DeviceIdentity id = DeviceIdentity.generate("dev-ed", DeviceIdentity.KeyType.ED25519);
        SignedJWT jwt = SignedJWT.parse(ClientAssertions.builder(id).audience(AUD).build().create());
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.EdDSA);
        Signature v = Signature.getInstance("Ed25519");
        v.initVerify(Ed25519Support.publicKey((OctetKeyPair) id.publicJwk()));
        v.update(jwt.getSigningInput());
        assertThat(v.verify(jwt.getSignature().decode())).isTrue();
        // a tampered signing input fails
        v.initVerify(Ed25519Support.publicKey((OctetKeyPair) id.publicJwk()));
        v.update((new String(jwt.getSigningInput(), StandardCharsets.US_ASCII) + "x").getBytes(StandardCharsets.US_ASCII));
        assertThat(v.verify(jwt.getSignature().decode())).isFalse();
    }

    @Test
    void everyAssertionHasItsOwnJti() throws Exception {
        ClientAssertions a = ClientAssertions.builder(DeviceIdentity.generate("d")).audience(AUD).build();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            assertThat(seen.add(SignedJWT.parse(a.create()).getJWTClaimsSet().getJWTID())).isTrue();
        }
    }

    @Test
    void lifetimeIsBounded() {
        ClientAssertions.Builder b = ClientAssertions.builder(DeviceIdentity.generate("d")).audience(AUD);
        assertThatThrownBy(() -> b.lifetime(Duration.ofMinutes(6))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.lifetime(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        b.lifetime(Duration.ofMinutes(5));
        assertThatThrownBy(() -> ClientAssertions.builder(DeviceIdentity.generate("d")).build()).isInstanceOf(NullPointerException.class);
    }

    @Test
    void aMissingAudienceSaysWhatToDo() {
        assertThatThrownBy(() -> ClientAssertions.builder(DeviceIdentity.generate("d")).build())
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("/oauth/token")
                .hasMessageContaining("audience(")
                .hasMessageContaining("TokenClient.Builder.assertions");
    }

    /** A provider whose SHA256withECDSA / Ed25519 are the JDK's, counting how often it is asked for one. */
    private static final class CountingProvider extends java.security.Provider {
        final java.util.concurrent.atomic.AtomicInteger instances = new java.util.concurrent.atomic.AtomicInteger();

        CountingProvider() {
            super("CountingTest", "1", "counts signature instances; the JDK signs");
            for (String alg : List.of("SHA256withECDSA", "Ed25519")) {
                putService(new Service(this, "Signature", alg, "unused", null, null) {
                    @Override
                    public Object newInstance(Object parameter) throws java.security.NoSuchAlgorithmException {
                        instances.incrementAndGet();
                        return Signature.getInstance(getAlgorithm()); // a Signature is a SignatureSpi
                    }
                });
            }
        }
    }

    @Test
    void aGivenSignatureProviderSignsAndTheAssertionVerifiesAsBefore() throws Exception {
        CountingProvider provider = new CountingProvider();
        DeviceIdentity id = DeviceIdentity.generate("dev-p");
        ClientAssertions a = ClientAssertions.builder(id).audience(AUD).signatureProvider(provider).build();
        int before = provider.instances.get();
        SignedJWT jwt = SignedJWT.parse(a.create());
        assertThat(provider.instances.get()).isGreaterThan(before);
        assertThat(jwt.verify(new ECDSAVerifier((ECKey) id.publicJwk()))).isTrue();
        assertThat(jwt.getHeader().getKeyID()).isEqualTo(id.thumbprint());

        DeviceIdentity ed = DeviceIdentity.generate("dev-pe", DeviceIdentity.KeyType.ED25519);
        int beforeEd = provider.instances.get();
        SignedJWT edJwt = SignedJWT.parse(ClientAssertions.builder(ed).audience(AUD).signatureProvider(provider).build().create());
        assertThat(provider.instances.get()).isGreaterThan(beforeEd);
        Signature v = Signature.getInstance("Ed25519");
        v.initVerify(Ed25519Support.publicKey((OctetKeyPair) ed.publicJwk()));
        v.update(edJwt.getSigningInput());
        assertThat(v.verify(edJwt.getSignature().decode())).isTrue();
    }

    @Test
    void aSignatureProviderWithoutTheKeysAlgorithmIsRefusedAtBuild() {
        java.security.Provider none = new java.security.Provider("NoSignatures", "1", "offers nothing") {
        };
        assertThatThrownBy(() -> ClientAssertions.builder(DeviceIdentity.generate("d")).audience(AUD).signatureProvider(none).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("signer");
        assertThatThrownBy(() -> ClientAssertions.builder(DeviceIdentity.generate("d", DeviceIdentity.KeyType.ED25519)).audience(AUD)
                .signatureProvider(none).build()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ClientAssertions.builder(DeviceIdentity.generate("d")).signatureProvider(null))
                .isInstanceOf(NullPointerException.class);
    }

    /** A self-signed P-256 certificate kept with the tests (its key is not needed: only its bytes travel). */
    private static java.security.cert.X509Certificate testLeaf() throws Exception {
        try (var pem = ClientAssertionsTest.class.getResourceAsStream("/x5c-test-leaf.pem")) {
            return (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(pem);
        }
    }
}
