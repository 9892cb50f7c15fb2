package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.upokecenter.cbor.CBORObject;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.device.DeviceIdentity;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CoAP {@code /token} (RFC 9200 §5.8) reads what HTTP's {@code /oauth/token} reads: {@code client_assertion_type}
 * (RFC 7521 §4.2), {@code audience} (5: a registered resource server, else {@code invalid_target}), an empty
 * assertion, and a requested scope granted nothing (answered, empty, as HTTP answers {@code "scope": ""}).
 */
class CoapTokenRequestTest {
    static final String TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    static final String RS = "https://rs-coap.test";
    @TempDir
    static Path dataDir;
    static Broker broker;
    static String base;
    static DeviceIdentity device;
    static CoapClient client;

    @BeforeAll
    static void start() throws Exception {
        var encKey = new ECKeyGenerator(Curve.P_256).keyID("rs-1").keyUse(KeyUse.ENCRYPTION).generate();
        JsonArray servers = new JsonArray().add(new JsonObject().put("audience", RS)
                .put("jwks", new JsonObject(new JWKSet(encKey.toPublicJWK()).toString())));
        broker = Broker.start(TestBrokers.config(dataDir, Map.of("EDGEAUTH_TOKENS_RESOURCE_SERVERS", servers.encode())));
        base = "http://localhost:" + broker.httpPort();
        device = TestDevices.register(new Http(base, broker.newAdminCredential().orElseThrow()), "ct-pump");
        client = new CoapClient("coap://127.0.0.1:" + broker.coapPort() + "/token");
        client.setTimeout(10_000L);
    }

    @AfterAll
    static void stop() {
        client.shutdown();
        broker.close();
    }

    static CBORObject request(String type) {
        CBORObject m = CBORObject.NewMap().Add(33, 2).Add("client_assertion", TestDevices.assertion(base, device));
        return type == null ? m : m.Add("client_assertion_type", type);
    }

    static CoapResponse post(CBORObject request) throws Exception {
        CoapResponse r = client.post(request.EncodeToBytes(), MediaTypeRegistry.APPLICATION_ACE_CBOR);
        assertThat(r).as("an answer").isNotNull();
        return r;
    }

    static CBORObject body(CoapResponse r) {
        return CBORObject.DecodeFromBytes(r.getPayload());
    }

    /** RFC 7521 §4.2: the type says how to read the assertion; HTTP refuses a wrong or missing one 400 invalid_request. */
    @Test
    void aWrongOrMissingAssertionTypeIsRefused() throws Exception {
        for (String type : new String[] {"foo", null}) {
            CoapResponse r = post(request(type));
            assertThat(r.getCode()).as("type %s", type).isEqualTo(ResponseCode.BAD_REQUEST);
            assertThat(body(r).get(CBORObject.FromObject(30)).AsInt32()).isEqualTo(1); // invalid_request
            assertThat(body(r).get(CBORObject.FromObject(31)).AsString()).contains("client_assertion_type");
        }
        assertThat(post(request(TYPE)).getCode()).isEqualTo(ResponseCode.CREATED);
    }

    /**
     * An audience (5) that is no registered resource server is refused invalid_target, as HTTP refuses it (it was
     * ignored: the device got a broker token); a registered one is honoured, in the formats HTTP issues it in.
     */
    @Test
    void theAudienceIsCheckedAndHonouredAsOverHttp() throws Exception {
        CoapResponse stranger = post(request(TYPE).Add(5, "rs1").Add("token_format", "jwt"));
        assertThat(stranger.getCode()).isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(body(stranger).get(CBORObject.FromObject(30)).AsString()).isEqualTo("invalid_target");

        CoapResponse cwt = post(request(TYPE).Add(5, RS));
        assertThat(cwt.getCode()).as("a resource server's token is jwt or jwe, as over HTTP").isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(body(cwt).get(CBORObject.FromObject(30)).AsInt32()).isEqualTo(1);

        CoapResponse jwt = post(request(TYPE).Add(5, RS).Add("token_format", "jwt"));
        assertThat(jwt.getCode()).isEqualTo(ResponseCode.CREATED);
        String token = new String(body(jwt).get(CBORObject.FromObject(1)).GetByteString(), StandardCharsets.US_ASCII);
        JsonObject claims = new JsonObject(new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]),
                StandardCharsets.UTF_8));
        assertThat(claims.getValue("aud").toString()).contains(RS).doesNotContain("edgeauth");
    }

    /** An empty assertion on plain CoAP (no certificate, no client_id) is a malformed request, not a binding mismatch. */
    @Test
    void anEmptyAssertionIsMissing() throws Exception {
        CoapResponse r = post(CBORObject.NewMap().Add(33, 2).Add("client_assertion_type", TYPE).Add("client_assertion", ""));
        assertThat(r.getCode()).isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(body(r).get(CBORObject.FromObject(31)).AsString()).startsWith("malformed: client_assertion missing");
    }

    /** RFC 6749 §5.1: a granted scope other than the requested one is answered; HTTP says "scope": "". */
    @Test
    void aRequestedScopeGrantedNothingIsAnsweredEmpty() throws Exception {
        CoapResponse r = post(request(TYPE).Add(9, "introspect"));
        assertThat(r.getCode()).isEqualTo(ResponseCode.CREATED);
        assertThat(body(r).get(CBORObject.FromObject(9))).as("scope (9)").isNotNull();
        assertThat(body(r).get(CBORObject.FromObject(9)).AsString()).isEmpty();
    }
}
