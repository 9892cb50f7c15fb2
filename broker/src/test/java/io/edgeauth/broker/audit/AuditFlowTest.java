package io.edgeauth.broker.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.BrokerCli;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.broker.testsupport.Wallets;
import io.edgeauth.device.DeviceIdentity;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Keys;
import picocli.CommandLine;

/**
 * A real broker writing its audit to a file: anomalies through real flows (a device connecting over MQTT from Berlin
 * and then New York, a burst of refused CONNECTs, a reused refresh token), then {@code audit verify} with the
 * broker's JWKS proves the file unbroken, and names the line once one is altered.
 */
class AuditFlowTest {
    @TempDir
    Path dir;

    @Test
    void anomaliesAreAuditedAndTheFileVerifies() throws Exception {
        Path file = dir.resolve("audit").resolve("audit.log");
        Path jwks = dir.resolve("jwks.json");
        Broker broker = Broker.start(TestBrokers.config(dir.resolve("data"), Map.of("EDGEAUTH_AUDIT_FILE", file.toString(),
                "EDGEAUTH_AUDIT_NODE", "edge-1", "EDGEAUTH_AUDIT_ANOMALIES_REFUSAL_BURST", "5",
                "EDGEAUTH_AUDIT_CHECKPOINT_EVERY", "7")));
        try {
            String base = "http://localhost:" + broker.httpPort();
            Http admin = new Http(base, broker.newAdminCredential().orElseThrow());
            DeviceIdentity pump = TestDevices.register(admin, "pump-travel");
            String token = TestDevices.token(admin, base, pump);
            connect(broker.mqttPort(), "pump-travel", token, "u33dc0");  // Berlin
            connect(broker.mqttPort(), "pump-travel", token, "dr5regw"); // New York, moments later
            for (int i = 0; i < 6; i++) { // the burst, and one past it (not written: summed up)
                assertThatThrownBy(() -> connect(broker.mqttPort(), "pump-travel", "eyJhbGciOiJFUzI1NiJ9.e30.c2ln", null))
                        .isInstanceOf(com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException.class);
            }
            JsonObject login = Wallets.siweLogin(base, Keys.createEcKeyPair());
            String refresh = login.getString("refresh_token");
            Http anonymous = new Http(base, null);
            assertThat(anonymous.postForm("/oauth/token", Map.of("grant_type", "refresh_token", "refresh_token", refresh))
                    .statusCode()).isEqualTo(200);
            assertThat(anonymous.postForm("/oauth/token", Map.of("grant_type", "refresh_token", "refresh_token", refresh))
                    .statusCode()).as("a rotated refresh token presented again").isNotEqualTo(200);
            Files.writeString(jwks, anonymous.get("/.well-known/jwks.json").body());
            assertThat(verify(file.toString(), "--jwks", base + "/.well-known/jwks.json")).as("while running, JWKS by URL")
                    .isZero();
        } finally {
            broker.close();
        }
        List<JsonObject> events = Files.readAllLines(file).stream().map(JsonObject::new).toList();
        JsonObject travel = only(events, "anomaly.impossible_travel");
        assertThat(travel.getString("sub")).isEqualTo("pump-travel");
        assertThat(travel.getString("from")).isEqualTo("u33dc0");
        assertThat(travel.getString("to")).isEqualTo("dr5regw");
        assertThat(travel.getLong("km")).isBetween(6000L, 6500L);
        JsonObject burst = only(events, "anomaly.refusal_burst");
        assertThat(burst.getString("source")).isEqualTo("127.0.0.1");
        // tour AE, AE4: the refusals past the burst are summed up at the stop, not lost
        JsonObject suppressed = only(events, "anomaly.refusals_suppressed");
        assertThat(suppressed.getString("source")).isEqualTo("127.0.0.1");
        assertThat(suppressed.getInteger("suppressed")).isPositive();
        assertThat(suppressed.getString("last_event")).endsWith("refused");
        assertThat(only(events, "anomaly.refresh_reuse").getString("sub")).startsWith("did:pkh:eip155:1:0x");
        assertThat(events).allSatisfy(e -> assertThat(e.getString("node")).isEqualTo("edge-1"));
        assertThat(events.get(events.size() - 1).getString("event")).as("sealed at stop").isEqualTo("audit.checkpoint");

        assertThat(verify(file.toString(), "--jwks", jwks.toString())).isZero();
        List<String> lines = new ArrayList<>(Files.readAllLines(file));
        int travelLine = indexOf(lines, "anomaly.impossible_travel");
        lines.set(travelLine, lines.get(travelLine).replace("dr5regw", "u33dc1"));
        Path altered = dir.resolve("altered.log");
        Files.write(altered, lines, StandardCharsets.UTF_8);
        assertThat(verify(altered.toString(), "--jwks", jwks.toString())).isEqualTo(1);
        ChainVerifier.Report r = new ChainVerifier(null).verify(List.of(altered));
        assertThat(r.firstBreak().line()).isEqualTo("altered.log:" + (travelLine + 1));
        assertThat(verify(dir.resolve("nope.log").toString())).as("unreadable input").isEqualTo(2);
    }

    private static int verify(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "audit";
        all[1] = "verify";
        System.arraycopy(args, 0, all, 2, args.length);
        return new CommandLine(new BrokerCli()).execute(all);
    }

    private static void connect(int port, String clientId, String token, String geo) {
        Mqtt5BlockingClient mqtt = MqttClient.builder().useMqttVersion5().identifier(clientId)
                .serverHost("127.0.0.1").serverPort(port).buildBlocking();
        var connect = mqtt.connectWith().simpleAuth().username(clientId)
                .password(token.getBytes(StandardCharsets.US_ASCII)).applySimpleAuth();
        if (geo != null) {
            connect = connect.userProperties().add("geo", geo).applyUserProperties();
        }
        connect.send();
        mqtt.disconnect();
    }

    private static JsonObject only(List<JsonObject> events, String name) {
        List<JsonObject> found = events.stream().filter(e -> name.equals(e.getString("event"))).toList();
        assertThat(found).as(name).hasSize(1);
        assertThat(found.get(0).getString("outcome")).isEqualTo("flagged");
        return found.get(0);
    }

    private static int indexOf(List<String> lines, String event) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains("\"event\":\"" + event + "\"")) {
                return i;
            }
        }
        throw new AssertionError(event);
    }
}
