package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.upokecenter.cbor.CBORObject;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.device.ClientAssertions;
import io.edgeauth.device.DeviceIdentity;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tour Y, Y10: the token endpoints ({@code /oauth/token}, CoAP {@code /token}) issued tokens to one device, and took
 * requests from one address, without any bound. Now a device gets {@code tokenRequests.perDeviceBurst} tokens back to
 * back, refilled at {@code perDevicePerMinute}, counted once it authenticated (a stranger's assertions naming it spend
 * nothing of its budget); every request from one source address counts against {@code perAddressPerMinute} (off by
 * default). A refusal is 429 {@code slow_down} with {@code Retry-After}, CoAP 4.29 with Max-Age, the bucket's real
 * wait, and one {@code token.refused} event {@code rate_limited}.
 */
class TokenRequestBoundsTest {
    @TempDir
    Path dir;

    @Test
    void theDefaultBoundIssuesABurstOfTwentyThenSaysWhenToRetryAndStrangersCannotSpendIt() throws Exception {
        Path audit = dir.resolve("audit.log");
        try (Broker broker = Broker.start(TestBrokers.config(dir.resolve("data"),
                Map.of("EDGEAUTH_AUDIT_FILE", audit.toString())))) {
            String base = "http://localhost:" + broker.httpPort();
            Http admin = new Http(base, broker.newAdminCredential().orElseThrow());
            Http anonymous = new Http(base, null);
            DeviceIdentity busy = TestDevices.register(admin, "tb-busy");
            DeviceIdentity victim = TestDevices.register(admin, "tb-victim");
            DeviceIdentity stranger = DeviceIdentity.generate("tb-victim"); // names the victim, holds another key
            for (int i = 0; i < 20; i++) {
                assertThat(TestDevices.clientCredentials(anonymous, base, busy, null).statusCode()).as("token %d", i)
                        .isEqualTo(200);
            }
            HttpResponse<String> over = TestDevices.clientCredentials(anonymous, base, busy, null);
            assertThat(over.statusCode()).isEqualTo(429);
            assertThat(new JsonObject(over.body()).getString("error")).isEqualTo("slow_down");
            assertThat(new JsonObject(over.body()).getString("error_description")).startsWith("rate_limited");
            long retryAfter = Long.parseLong(over.headers().firstValue("retry-after").orElseThrow());
            assertThat(retryAfter).as("one token back every 3 s at 20 a minute").isBetween(1L, 3L);
            // after the refusal above: past 20 refusals from one address the audit summarises them (AnomalyWatch)
            for (int i = 0; i < 30; i++) {
                assertThat(TestDevices.clientCredentials(anonymous, base, stranger, null).statusCode()).isEqualTo(401);
            }
            assertThat(TestDevices.clientCredentials(anonymous, base, victim, null).statusCode())
                    .as("refused assertions naming a device spend nothing of its budget").isEqualTo(200);
            assertThat(anonymous.get("/metrics").body())
                    .contains("edgeauth_tokens_refused_total{grant=\"client_credentials\",reason=\"rate_limited\"} 1.0");
        }
        List<JsonObject> refused = Files.readAllLines(audit).stream().map(JsonObject::new)
                .filter(e -> "token.refused".equals(e.getString("event")) && "rate_limited".equals(e.getString("outcome")))
                .toList();
        assertThat(refused).singleElement().satisfies(e -> {
            assertThat(e.getString("client_id")).isEqualTo("tb-busy");
            assertThat(e.getString("channel")).isEqualTo("http");
            assertThat(e.getString("remote")).matches("127\\.0\\.0\\.1:\\d+");
        });
    }

    @Test
    void aDeviceOverItsBoundIsToldTheRealWaitOverCoapAndHttp() throws Exception {
        try (Broker broker = Broker.start(TestBrokers.config(dir.resolve("data"), Map.of(
                "EDGEAUTH_TOKEN_REQUESTS_PER_DEVICE_BURST", "1", "EDGEAUTH_TOKEN_REQUESTS_PER_DEVICE_PER_MINUTE", "1")))) {
            String base = "http://localhost:" + broker.httpPort();
            DeviceIdentity device = TestDevices.register(new Http(base, broker.newAdminCredential().orElseThrow()),
                    "tb-slow");
            CoapClient coap = new CoapClient("coap://127.0.0.1:" + broker.coapPort() + "/token");
            coap.setTimeout(10_000L);
            try {
                assertThat(coap.post(tokenRequest(base, device), MediaTypeRegistry.APPLICATION_ACE_CBOR).getCode())
                        .isEqualTo(ResponseCode.CREATED);
                CoapResponse over = coap.post(tokenRequest(base, device), MediaTypeRegistry.APPLICATION_ACE_CBOR);
                assertThat(over.getCode()).isEqualTo(ResponseCode.TOO_MANY_REQUESTS);
                assertThat(over.getOptions().getMaxAge()).as("the bucket's wait, one token a minute")
                        .isBetween(30L, 60L);
            } finally {
                coap.shutdown();
            }
            HttpResponse<String> http = TestDevices.clientCredentials(new Http(base, null), base, device, null);
            assertThat(http.statusCode()).isEqualTo(429);
            assertThat(Long.parseLong(http.headers().firstValue("retry-after").orElseThrow())).isBetween(30L, 60L);
        }
    }

    @Test
    void thePerAddressBoundCountsEveryRequestOfAnyOutcomeOnBothEndpoints() throws Exception {
        Path audit = dir.resolve("audit.log");
        Map<String, String> env = new HashMap<>(Map.of("EDGEAUTH_TOKEN_REQUESTS_PER_ADDRESS_PER_MINUTE", "3",
                "EDGEAUTH_AUDIT_FILE", audit.toString()));
        try (Broker broker = Broker.start(TestBrokers.config(dir.resolve("data"), env))) {
            String base = "http://localhost:" + broker.httpPort();
            DeviceIdentity device = TestDevices.register(new Http(base, broker.newAdminCredential().orElseThrow()),
                    "tb-nat");
            Http anonymous = new Http(base, null);
            for (int i = 0; i < 3; i++) { // garbage counts as much as a good request
                assertThat(anonymous.postForm("/oauth/token", Map.of("grant_type", "password")).statusCode())
                        .isEqualTo(400);
            }
            HttpResponse<String> over = TestDevices.clientCredentials(anonymous, base, device, null);
            assertThat(over.statusCode()).isEqualTo(429);
            assertThat(new JsonObject(over.body()).getString("error")).isEqualTo("slow_down");
            assertThat(Long.parseLong(over.headers().firstValue("retry-after").orElseThrow())).isBetween(1L, 20L);
            CoapClient coap = new CoapClient("coap://127.0.0.1:" + broker.coapPort() + "/token");
            coap.setTimeout(10_000L);
            try {
                CoapResponse coapOver = coap.post(tokenRequest(base, device), MediaTypeRegistry.APPLICATION_ACE_CBOR);
                assertThat(coapOver.getCode()).as("one budget per address, whichever endpoint")
                        .isEqualTo(ResponseCode.TOO_MANY_REQUESTS);
                assertThat(coapOver.getOptions().getMaxAge()).isBetween(1L, 20L);
            } finally {
                coap.shutdown();
            }
        }
        List<JsonObject> refused = Files.readAllLines(audit).stream().map(JsonObject::new)
                .filter(e -> "token.refused".equals(e.getString("event")) && "rate_limited".equals(e.getString("outcome")))
                .toList();
        assertThat(refused).hasSize(2);
        assertThat(refused).extracting(e -> e.getString("channel")).containsExactlyInAnyOrder("http", "coap");
    }

    private static byte[] tokenRequest(String base, DeviceIdentity device) {
        return CBORObject.NewMap().Add(33, 2).Add("client_assertion_type", ClientAssertions.ASSERTION_TYPE)
                .Add("client_assertion", TestDevices.assertion(base, device)).EncodeToBytes();
    }
}
