package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.testsupport.InProcessBrokerTest;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.device.DeviceIdentity;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * The token endpoint never hands out a token larger than {@code tokens.maxTokenBytes}: every edge would refuse it
 * (MQTT 0x86 "oversized"), so the device got a token it could not use. The answer names the setting.
 */
@InProcessBrokerTest.Config("EDGEAUTH_TOKENS_MAX_TOKEN_BYTES=256")
class IssuedTokenSizeTest extends InProcessBrokerTest {

    @Test
    void aTokenOverTheLimitIsNotIssued() {
        DeviceIdentity device = TestDevices.register(admin, "big-1");
        HttpResponse<String> r = TestDevices.clientCredentials(anonymous, base, device, null);
        assertThat(r.statusCode()).isEqualTo(500);
        JsonObject body = new JsonObject(r.body());
        assertThat(body.getString("error")).isEqualTo("server_error");
        assertThat(body.getString("error_description")).contains("tokens.maxTokenBytes");
        assertThat(body.containsKey("access_token")).isFalse();
    }

    /** CoAP's /token says the same: 5.00 with the setting named (it said "token could not be issued"). */
    @Test
    void overCoapTheRefusalNamesTheSettingToo() throws Exception {
        DeviceIdentity device = TestDevices.register(admin, "big-2");
        org.eclipse.californium.core.CoapClient client = new org.eclipse.californium.core.CoapClient(
                "coap://127.0.0.1:" + broker.coapPort() + "/token");
        try {
            client.setTimeout(10_000L);
            com.upokecenter.cbor.CBORObject request = com.upokecenter.cbor.CBORObject.NewMap().Add(33, 2)
                    .Add("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
                    .Add("client_assertion", TestDevices.assertion(base, device));
            org.eclipse.californium.core.CoapResponse r = client.post(request.EncodeToBytes(),
                    org.eclipse.californium.core.coap.MediaTypeRegistry.APPLICATION_ACE_CBOR);
            assertThat(r).as("an answer").isNotNull();
            assertThat(r.getCode()).isEqualTo(org.eclipse.californium.core.coap.CoAP.ResponseCode.INTERNAL_SERVER_ERROR);
            assertThat(new String(r.getPayload(), java.nio.charset.StandardCharsets.UTF_8)).contains("tokens.maxTokenBytes");
        } finally {
            client.shutdown();
        }
    }
}
