package io.edgeauth.device;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TelemetrySignaturesTest {
    private static final byte[] PAYLOAD = "{\"t\":21.5}".getBytes(StandardCharsets.UTF_8);

    @ParameterizedTest
    @EnumSource(DeviceIdentity.KeyType.class)
    void aSignatureVerifiesWithTheDevicesPublicKeyOnlyOverItsPayload(DeviceIdentity.KeyType type) throws Exception {
        DeviceIdentity device = DeviceIdentity.generate("pump-7", type);
        String sig = TelemetrySignatures.sign(device, PAYLOAD);
        assertThat(sig).contains("..").doesNotContain("dDIxLjU"); // detached: no payload inside
        JWSObject parsed = JWSObject.parse(sig, new Payload(PAYLOAD));
        assertThat(parsed.getHeader().isBase64URLEncodePayload()).isFalse();
        assertThat(parsed.getHeader().getCriticalParams()).containsExactly("b64");
        assertThat(parsed.getHeader().getKeyID()).isEqualTo(device.thumbprint());

        assertThat(TelemetrySignatures.verify(sig, PAYLOAD, device.publicJwk())).isTrue();
        assertThat(TelemetrySignatures.verify(sig, "{\"t\":99}".getBytes(StandardCharsets.UTF_8), device.publicJwk()))
                .isFalse();
        assertThat(TelemetrySignatures.verify(sig, PAYLOAD, DeviceIdentity.generate("other", type).publicJwk())).isFalse();
        assertThat(TelemetrySignatures.verify("garbage", PAYLOAD, device.publicJwk())).isFalse();
    }

    @Test
    void aNormalDetachedJwsWithAnEncodedPayloadIsNotATelemetrySignature() throws Exception {
        DeviceIdentity device = DeviceIdentity.generate("pump-7");
        JWSObject encoded = new JWSObject(new com.nimbusds.jose.JWSHeader(device.algorithm()), new Payload(PAYLOAD));
        encoded.sign(device.signer());
        assertThat(TelemetrySignatures.verify(encoded.serialize(true), PAYLOAD, device.publicJwk())).isFalse();
    }
}
