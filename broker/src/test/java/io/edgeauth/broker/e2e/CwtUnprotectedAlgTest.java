package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.upokecenter.cbor.CBORObject;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.device.DeviceIdentity;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Signature;
import java.time.Instant;
import java.util.Map;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, hole 15: a CWT whose {@code alg} sits in the unprotected header (RFC 9052 §3.1 wants it
 * protected: it is not covered by the signature) is refused at CoAP {@code /authz-info} and
 * introspection, with a kid in the protected header and with an empty protected header alike; the same
 * claims with {@code alg} protected are accepted.
 */
class CwtUnprotectedAlgTest {
    static final String ISSUER = "https://cwt-issuer.test";

    @TempDir
    Path dataDir;

    @Test
    void algOutsideTheProtectedHeaderIsRefused() throws Exception {
        ECKey key = new ECKeyGenerator(Curve.P_256).keyID("cose-1").generate();
        Path jwks = dataDir.resolve("jwks.json");
        Files.writeString(jwks, new JWKSet(key.toPublicJWK()).toString());
        String issuers = "[{\"issuer\":\"" + ISSUER + "\",\"jwksFile\":\"" + jwks
                + "\",\"tenant\":\"default\",\"algorithms\":[\"ES256\"]}]";
        try (Broker broker = Broker.start(TestBrokers.config(dataDir.resolve("broker"),
                Map.of("EDGEAUTH_TRUSTED_ISSUERS", issuers)))) {
            String base = "http://localhost:" + broker.httpPort();
            Http admin = new Http(base, broker.newAdminCredential().orElseThrow());
            assertThat(admin.postJson("/admin/devices", new JsonObject().put("id", "cwt-dev")
                    .put("jwk", new JsonObject(DeviceIdentity.generate("cwt-dev").publicJwk().toJSONString())).encode())
                    .statusCode()).isEqualTo(201);

            CBORObject kid = CBORObject.FromObject("cose-1".getBytes(StandardCharsets.US_ASCII));
            CBORObject alg = CBORObject.FromObject(-7);
            byte[] good = sign1(key, CBORObject.NewMap().Add(1, alg).Add(4, kid), CBORObject.NewMap());
            byte[] algUnprotected = sign1(key, CBORObject.NewMap().Add(4, kid), CBORObject.NewMap().Add(1, alg));
            byte[] nothingProtected = sign1(key, null, CBORObject.NewMap().Add(1, alg).Add(4, kid));

            assertThat(upload(broker, good)).isEqualTo(CoAP.ResponseCode.CREATED);
            assertThat(upload(broker, algUnprotected)).isEqualTo(CoAP.ResponseCode.BAD_REQUEST);
            assertThat(upload(broker, nothingProtected)).isEqualTo(CoAP.ResponseCode.BAD_REQUEST);
            assertThat(active(admin, good)).isTrue();
            assertThat(active(admin, algUnprotected)).isFalse();
            assertThat(active(admin, nothingProtected)).isFalse();
        }
    }

    static boolean active(Http admin, byte[] cwt) {
        String text = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(cwt);
        return new JsonObject(admin.postForm("/oauth/introspect", Map.of("token", text)).body()).getBoolean("active");
    }

    static CoAP.ResponseCode upload(Broker broker, byte[] cwt) throws Exception {
        CoapClient client = new CoapClient("coap://127.0.0.1:" + broker.coapPort() + "/authz-info");
        try {
            return client.post(cwt, MediaTypeRegistry.APPLICATION_CWT).getCode();
        } finally {
            client.shutdown();
        }
    }

    /** A tagged COSE_Sign1 CWT for device cwt-dev; {@code protectedMap} null means a zero-length protected bucket. */
    static byte[] sign1(ECKey key, CBORObject protectedMap, CBORObject unprotected) throws Exception {
        long now = Instant.now().getEpochSecond();
        byte[] payload = CBORObject.NewMap().Add(1, ISSUER).Add(2, "cwt-dev").Add(3, "edgeauth")
                .Add(4, now + 300).Add(6, now).Add(7, new byte[] {1, 2, 3, (byte) (now & 0x7f)}).EncodeToBytes();
        byte[] prot = protectedMap == null ? new byte[0] : protectedMap.EncodeToBytes();
        byte[] toBeSigned = CBORObject.NewArray().Add("Signature1").Add(prot).Add(new byte[0]).Add(payload).EncodeToBytes();
        Signature ecdsa = Signature.getInstance("SHA256withECDSAinP1363Format");
        ecdsa.initSign(key.toECPrivateKey());
        ecdsa.update(toBeSigned);
        CBORObject msg = CBORObject.NewArray().Add(prot).Add(unprotected).Add(payload).Add(ecdsa.sign());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(CBORObject.FromObjectAndTag(msg, 18).EncodeToBytes());
        return out.toByteArray();
    }
}
