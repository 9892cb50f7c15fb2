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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tour O, F1 over CoAP: one refused {@code /token} request (an assertion for another audience) was three audit
 * lines, two {@code token.refused} and a {@code coap.refused}; it is one {@code token.refused} with the source
 * address. A request refused before any assertion is read stays one {@code coap.refused}, which names its source
 * address too, as every CoAP refusal does.
 */
class CoapTokenRefusalAuditTest {
    @TempDir
    Path dir;

    @Test
    void aRefusedCoapTokenRequestIsOneAuditEventWithItsSourceAddress() throws Exception {
        Path file = dir.resolve("audit.log");
        Broker broker = Broker.start(TestBrokers.config(dir.resolve("data"), Map.of("EDGEAUTH_AUDIT_FILE",
                file.toString())));
        CoapClient client = new CoapClient("coap://127.0.0.1:" + broker.coapPort() + "/token");
        client.setTimeout(10_000L);
        try {
            String base = "http://localhost:" + broker.httpPort();
            DeviceIdentity device = TestDevices.register(new Http(base, broker.newAdminCredential().orElseThrow()),
                    "ct-refused");
            for (int i = 0; i < 2; i++) {
                CBORObject m = CBORObject.NewMap().Add(33, 2)
                        .Add("client_assertion_type", ClientAssertions.ASSERTION_TYPE)
                        .Add("client_assertion", ClientAssertions.builder(device).audience("http://evil.example/")
                                .build().create());
                CoapResponse r = client.post(m.EncodeToBytes(), MediaTypeRegistry.APPLICATION_ACE_CBOR);
                assertThat(r).isNotNull();
                assertThat(r.isSuccess()).isFalse();
            }
            CoapResponse notCbor = client.post(new byte[] {(byte) 0xff}, MediaTypeRegistry.APPLICATION_ACE_CBOR);
            assertThat(notCbor).isNotNull();
            assertThat(notCbor.isSuccess()).isFalse();
            CoapClient telemetry = new CoapClient("coap://127.0.0.1:" + broker.coapPort() + "/d/ct-refused/up/t");
            telemetry.setTimeout(10_000L);
            CoapResponse noSession = telemetry.post("1", MediaTypeRegistry.TEXT_PLAIN);
            telemetry.shutdown();
            assertThat(noSession).isNotNull();
            assertThat(noSession.isSuccess()).isFalse();
        } finally {
            client.shutdown();
            broker.close();
        }
        List<JsonObject> events = Files.readAllLines(file).stream().map(JsonObject::new).toList();
        List<JsonObject> refused = events.stream().filter(e -> "token.refused".equals(e.getString("event"))).toList();
        assertThat(refused).hasSize(2).allSatisfy(e -> {
            assertThat(e.getString("outcome")).isEqualTo("wrong_audience");
            assertThat(e.getString("channel")).isEqualTo("coap");
            assertThat(e.getString("client_id")).isEqualTo("ct-refused");
            assertThat(e.getString("remote")).matches("127\\.0\\.0\\.1:\\d+");
        });
        assertThat(events).filteredOn(e -> "coap.refused".equals(e.getString("event"))
                        && "/token".equals(e.getString("resource")))
                .as("only the request refused before an assertion was read").hasSize(1)
                .allSatisfy(e -> {
                    assertThat(e.getString("outcome")).isEqualTo("malformed");
                    assertThat(e.getString("remote")).as("its source address").matches("127\\.0\\.0\\.1:\\d+");
                });
        assertThat(events).filteredOn(e -> "coap.refused".equals(e.getString("event"))
                        && "up".equals(e.getString("resource")))
                .as("telemetry without a session").hasSize(1)
                .allSatisfy(e -> assertThat(e.getString("remote")).matches("127\\.0\\.0\\.1:\\d+"));
    }
}
