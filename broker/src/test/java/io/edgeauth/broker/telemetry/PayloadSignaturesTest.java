package io.edgeauth.broker.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.keys.JwkKeys;
import io.edgeauth.broker.telemetry.PayloadSignatures.Verdict;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.TelemetrySignatures;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.Base64;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The edge's check of telemetry signatures made by the device SDK, and hostile signature values. */
class PayloadSignaturesTest {
    private static final byte[] PAYLOAD = "{\"t\":21.5}".getBytes(StandardCharsets.UTF_8);
    private static final Set<TokenAlgorithm> ALL = Set.of(TokenAlgorithm.values());

    static Stream<CryptoProviders> providers() {
        return CryptoProviders.accpAvailable() ? Stream.of(CryptoProviders.jdk(), CryptoProviders.accp())
                : Stream.of(CryptoProviders.jdk());
    }

    private static PublicKey keyOf(DeviceIdentity d) throws Exception {
        return JwkKeys.publicKey(d.publicJwk());
    }

    @ParameterizedTest
    @MethodSource("providers")
    void sdkSignaturesVerifyOverTheirPayloadWithTheDevicesKeyOnly(CryptoProviders crypto) throws Exception {
        PayloadSignatures check = new PayloadSignatures(new Signatures(crypto));
        for (DeviceIdentity.KeyType type : DeviceIdentity.KeyType.values()) {
            DeviceIdentity device = DeviceIdentity.generate("pump-7", type);
            String sig = TelemetrySignatures.sign(device, PAYLOAD);
            assertThat(check.verify(sig, PAYLOAD, keyOf(device), ALL)).as(type.name()).isEqualTo(Verdict.VALID);
            assertThat(check.verify(sig, "{\"t\":99}".getBytes(StandardCharsets.UTF_8), keyOf(device), ALL))
                    .isEqualTo(Verdict.BAD_SIGNATURE);
            assertThat(check.verify(sig, PAYLOAD, keyOf(DeviceIdentity.generate("x", type)), ALL))
                    .isEqualTo(Verdict.BAD_SIGNATURE);
        }
        DeviceIdentity ec = DeviceIdentity.generate("pump-7", DeviceIdentity.KeyType.EC_P256);
        assertThat(check.verify(TelemetrySignatures.sign(ec, PAYLOAD), PAYLOAD, keyOf(ec), Set.of(TokenAlgorithm.EDDSA)))
                .as("an algorithm the device's key is not allowed").isEqualTo(Verdict.UNSUPPORTED_ALGORITHM);
        DeviceIdentity ed = DeviceIdentity.generate("pump-8", DeviceIdentity.KeyType.ED25519);
        assertThat(check.verify(TelemetrySignatures.sign(ec, PAYLOAD), PAYLOAD, keyOf(ed), ALL))
                .as("ES256 against an Ed25519 key").isEqualTo(Verdict.UNSUPPORTED_ALGORITHM);
    }

    @Test
    void hostileSignatureValuesAreRefusedWithoutThrowing() throws Exception {
        PayloadSignatures check = new PayloadSignatures(new Signatures(CryptoProviders.jdk()));
        DeviceIdentity device = DeviceIdentity.generate("pump-7");
        PublicKey key = keyOf(device);
        ECKey ec = ECKey.parse(device.publicJwk().toJSONString());
        String good = TelemetrySignatures.sign(device, PAYLOAD);
        String header = good.substring(0, good.indexOf('.'));
        String sig = good.substring(good.lastIndexOf('.') + 1);

        JWSObject encoded = new JWSObject(new JWSHeader(JWSAlgorithm.ES256), new Payload(PAYLOAD));
        encoded.sign(new ECDSASigner(new ECKeyGenerator(Curve.P_256).generate()));
        assertThat(check.verify(encoded.serialize(true), PAYLOAD, key, ALL)).as("b64 not false").isEqualTo(Verdict.MALFORMED);

        assertThat(check.verify(b64("{\"alg\":\"ES256\",\"b64\":false}") + ".." + sig, PAYLOAD, key, ALL))
                .as("b64 without crit").isEqualTo(Verdict.MALFORMED);
        assertThat(check.verify(b64("{\"alg\":\"none\",\"b64\":false,\"crit\":[\"b64\"]}") + ".." + sig, PAYLOAD, key, ALL))
                .isEqualTo(Verdict.MALFORMED);
        assertThat(check.verify(b64("{\"alg\":\"ES256\",\"b64\":false,\"crit\":[\"b64\"],\"jwk\":"
                + ec.toJSONString() + "}") + ".." + sig, PAYLOAD, key, ALL)).as("key in the header").isEqualTo(Verdict.MALFORMED);
        assertThat(check.verify(b64("{\"alg\":\"ES256\",\"b64\":false,\"crit\":[\"b64\",\"exp\"]}") + ".." + sig,
                PAYLOAD, key, ALL)).isEqualTo(Verdict.MALFORMED);

        JWSObject hs = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.HS256).base64URLEncodePayload(false)
                .criticalParams(Set.of("b64")).build(), new Payload(PAYLOAD));
        hs.sign(new MACSigner(new byte[32]));
        assertThat(check.verify(hs.serialize(true), PAYLOAD, key, ALL)).isEqualTo(Verdict.UNSUPPORTED_ALGORITHM);

        assertThat(check.verify(header + "." + b64("{\"t\":21.5}") + "." + sig, PAYLOAD, key, ALL))
                .as("attached payload").isEqualTo(Verdict.MALFORMED);
        assertThat(check.verify(header + ".." + sig + "..x", PAYLOAD, key, ALL)).isEqualTo(Verdict.MALFORMED);
        assertThat(check.verify(header + "..%%%", PAYLOAD, key, ALL)).isEqualTo(Verdict.MALFORMED);
        assertThat(check.verify("..", PAYLOAD, key, ALL)).isEqualTo(Verdict.MALFORMED);
        assertThat(check.verify("e30..", PAYLOAD, key, ALL)).isEqualTo(Verdict.MALFORMED);
        assertThat(check.verify("!!!.." + sig, PAYLOAD, key, ALL)).isEqualTo(Verdict.MALFORMED);
        assertThat(check.verify(header + ".." + sig.substring(4), PAYLOAD, key, ALL)).isEqualTo(Verdict.BAD_SIGNATURE);
        assertThat(check.verify("a".repeat(PayloadSignatures.MAX_LENGTH + 1), PAYLOAD, key, ALL))
                .isEqualTo(Verdict.MALFORMED);
        assertThat(check.verify(null, PAYLOAD, key, ALL)).isEqualTo(Verdict.MALFORMED);
        assertThat(check.verify(good, PAYLOAD, key, ALL)).isEqualTo(Verdict.VALID);
    }

    private static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
