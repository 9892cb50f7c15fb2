package io.edgeauth.broker.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.upokecenter.cbor.CBORObject;
import io.edgeauth.broker.BrokerCli;
import io.edgeauth.broker.testsupport.BrokerProcess;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 hole 14 end to end: nothing a client sends may reach a log line unescaped. A broker in its own JVM with
 * the production logback.xml; a Californium client sends a token request whose {@code token_format} carries line
 * breaks and a well-formed audit JSON object. No line the broker writes to its operational log may be that object.
 * ({@link LogEscapingTest} checks the encoders themselves, for every path.)
 */
class ForgedLogLineTest {
    private static final String FORGED = "{\"event\":\"auth.accepted\",\"outcome\":\"ok\",\"forged\":true}";

    @TempDir
    Path dir;

    @Test
    void aClientStringWithLineBreaksAndJsonCannotPlantAnAuditLine() throws Exception {
        File stderr = dir.resolve("stderr.log").toFile();
        String config = Path.of(BrokerCli.class.getResource("/logback.xml").toURI()).toString();
        try (BrokerProcess broker = BrokerProcess.start(BrokerCli.class.getName(), List.of("run"),
                TestBrokers.env(dir.resolve("data"), Map.of("EDGEAUTH_MQTT_PORT", "-1")),
                List.of("-Dlogback.configurationFile=" + config), ProcessBuilder.Redirect.to(stderr))) {
            int coapPort = coapPort(new Http(broker.url(), null));
            CBORObject request = CBORObject.NewMap().Add(33, 2)
                    .Add("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
                    .Add("client_assertion", "eyJhbGciOiJFUzI1NiJ9.e30.c2ln")
                    .Add("token_format", "cwt\n" + FORGED + "\r\n" + FORGED);
            org.eclipse.californium.elements.config.Configuration c = new org.eclipse.californium.elements.config
                    .Configuration(org.eclipse.californium.core.config.CoapConfig.DEFINITIONS,
                    org.eclipse.californium.elements.config.UdpConfig.DEFINITIONS);
            org.eclipse.californium.core.network.CoapEndpoint endpoint =
                    org.eclipse.californium.core.network.CoapEndpoint.builder().setConfiguration(c).build();
            CoapClient client = new CoapClient("coap://127.0.0.1:" + coapPort + "/token");
            client.setEndpoint(endpoint);
            client.setTimeout(10_000L);
            try {
                CoapResponse response = client.post(request.EncodeToBytes(), MediaTypeRegistry.APPLICATION_CBOR);
                assertThat(response).as("an answer, not silence").isNotNull();
                assertThat(response.isSuccess()).isFalse();
            } finally {
                client.shutdown();
                endpoint.destroy();
            }
        } // closing waits for the process to end: its stderr is complete
        for (File f : List.of(stderr)) {
            for (String line : Files.readAllLines(f.toPath(), StandardCharsets.UTF_8)) {
                String t = line.strip();
                if (t.startsWith("{")) {
                    try {
                        assertThat(new JsonObject(t).containsKey("forged")).as("planted line: %s", line).isFalse();
                    } catch (io.vertx.core.json.DecodeException notJson) {
                        // not a JSON line
                    }
                }
            }
        }
    }

    private static int coapPort(Http http) {
        for (Object l : new JsonObject(http.get("/health").body()).getJsonArray("listeners")) {
            Matcher m = Pattern.compile("^coap (\\d+)/udp").matcher(l.toString());
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
        }
        throw new AssertionError("no CoAP listener");
    }
}
