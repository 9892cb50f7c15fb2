package io.edgeauth.broker.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import io.edgeauth.broker.config.BrokerConfig;
import io.edgeauth.broker.config.ConfigLoader;
import io.edgeauth.broker.testsupport.MutableClock;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Map;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.Test;

/**
 * Tour X, X5: a device JWK was checked only for its type, so keys no assertion can be verified with (RSA-1024,
 * secp256k1) were registered and the device was refused later with a misleading "alg does not fit the registered
 * key", and a key marked for encryption ({@code use: enc}) or for another algorithm ({@code alg}) signed assertions.
 * Now refused at registration, naming what is accepted, as the service validator does.
 */
class DeviceJwkValidationTest {
    private final BrokerConfig config = new ConfigLoader().load(null, Map.of());
    private final DeviceValidator validator = new DeviceValidator(config.tenantIds(), config.ratePlans().keySet(),
            new MutableClock(Instant.parse("2026-01-01T00:00:00Z")));

    @Test
    void keysNoAssertionCanBeVerifiedWithAreRefusedNamingWhatIsAccepted() throws Exception {
        KeyPairGenerator k1 = KeyPairGenerator.getInstance("EC", new BouncyCastleProvider());
        k1.initialize(new ECGenParameterSpec("secp256k1"));
        JWK secp256k1 = new ECKey.Builder(Curve.SECP256K1, (ECPublicKey) k1.generateKeyPair().getPublic()).build();
        JWK rsa1024 = new RSAKeyGenerator(1024, true).generate().toPublicJWK();
        JWK enc = new ECKeyGenerator(Curve.P_256).keyUse(KeyUse.ENCRYPTION).generate().toPublicJWK();
        JWK foreignAlg = new ECKeyGenerator(Curve.P_256).algorithm(JWSAlgorithm.RS256).generate().toPublicJWK();
        for (JWK key : new JWK[] {secp256k1, rsa1024, enc, foreignAlg}) {
            assertThatThrownBy(() -> validator.validate(Map.of("id", "jx-1", "jwk", key.toJSONObject())))
                    .as(key.toJSONString()).hasMessageContaining("jwk:").hasMessageContaining("P-256")
                    .hasMessageContaining("2048").hasMessageContaining("use sig");
        }
        for (JWK key : new JWK[] {
                new ECKeyGenerator(Curve.P_256).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.ES256).generate(),
                new ECKeyGenerator(Curve.P_384).generate(), new RSAKeyGenerator(2048).generate()}) {
            assertThat(validator.validate(Map.of("id", "jx-2", "jwk", key.toPublicJWK().toJSONObject())).id())
                    .isEqualTo("jx-2");
        }
    }
}
