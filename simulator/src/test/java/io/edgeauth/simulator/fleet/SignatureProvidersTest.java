package io.edgeauth.simulator.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jwt.SignedJWT;
import io.edgeauth.device.ClientAssertions;
import io.edgeauth.device.DeviceIdentity;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SignatureProvidersTest {
    @Test
    void accpSignsWhereItLoadsElseTheJdk() {
        boolean accp = AmazonCorrettoCryptoProvider.INSTANCE.getLoadingError() == null;
        assertThat(SignatureProviders.isNative()).isEqualTo(accp);
        assertThat(SignatureProviders.signing().getName()).isEqualTo(accp ? AmazonCorrettoCryptoProvider.PROVIDER_NAME : "SunEC");
    }

    @Test
    void assertionsSignedOnTheProviderVerifyWithTheDevicesRegisteredKey() throws Exception {
        DeviceIdentity p256 = new FleetIdentities("seed-sp", "sim", DeviceIdentity.KeyType.EC_P256).identity(3);
        for (int i = 0; i < 20; i++) { // ECDSA signatures are randomized: more than one
            SignedJWT jwt = SignedJWT.parse(ClientAssertions.builder(p256).audience("http://b/oauth/token")
                    .signatureProvider(SignatureProviders.signing()).build().create());
            assertThat(jwt.verify(new ECDSAVerifier((ECKey) p256.publicJwk()))).isTrue();
        }
        DeviceIdentity ed = new FleetIdentities("seed-sp", "sim", DeviceIdentity.KeyType.ED25519).identity(3);
        SignedJWT jwt = SignedJWT.parse(ClientAssertions.builder(ed).audience("http://b/oauth/token")
                .signatureProvider(SignatureProviders.signing()).build().create());
        java.security.Signature v = java.security.Signature.getInstance("Ed25519");
        v.initVerify(io.edgeauth.device.internal.Ed25519Support.publicKey((OctetKeyPair) ed.publicJwk()));
        v.update(jwt.getSigningInput());
        assertThat(v.verify(jwt.getSignature().decode())).isTrue();
    }

    @Test
    void issuerTokensVerifyWithTheIssuersJwks() throws Exception {
        ObserverIssuer issuer = new ObserverIssuer("seed-sp", "urn:edgeauth:simulator");
        ECKey published = (ECKey) JWKSet.parse(issuer.jwksJson()).getKeys().get(0);
        SignedJWT device = SignedJWT.parse(issuer.deviceToken("sim-1", Instant.now(), Duration.ofMinutes(5)));
        assertThat(device.verify(new ECDSAVerifier(published))).isTrue();
        assertThat(device.getJWTClaimsSet().getSubject()).isEqualTo("sim-1");
        assertThat(SignedJWT.parse(issuer.token("d/+/up/sim/0", Duration.ofMinutes(5))).verify(new ECDSAVerifier(published))).isTrue();
    }
}
