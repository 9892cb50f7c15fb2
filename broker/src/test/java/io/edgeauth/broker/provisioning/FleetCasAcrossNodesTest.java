package io.edgeauth.broker.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.RedisServer;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes sharing one redis-server. Fleet CAs: a CA trusted, given a CRL or withdrawn through one node's admin
 * API holds on the other node at once (within the change feed's delay), not only after that node's next start. Before,
 * each node kept the CAs it had read at start: a CA withdrawn on A still provisioned devices on B. And their audit
 * chains, merged into one file, verify.
 */
class FleetCasAcrossNodesTest {
    private static final Duration FEED = Duration.ofSeconds(5);
    @TempDir
    static Path dir;
    static RedisServer redis;
    static Broker a;
    static Broker b;
    static Http adminA;
    static FleetPki configCa;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start(Files.createDirectories(dir.resolve("redis")));
        configCa = new FleetPki("omega fleet CA");
        Files.writeString(dir.resolve("omega.pem"), FleetPki.pem(configCa.caCertificate()));
        a = Broker.start(TestBrokers.config(dir.resolve("a"), env("a")));
        b = Broker.start(TestBrokers.config(dir.resolve("b"), env("b")));
        adminA = new Http("http://127.0.0.1:" + a.httpPort(), a.newAdminCredential().orElseThrow());
    }

    private static Map<String, String> env(String node) throws java.io.IOException {
        Map<String, String> env = new HashMap<>(redis.brokerEnv(redis.uri()));
        env.put("EDGEAUTH_AUDIT_FILE", dir.resolve("audit-" + node + ".log").toString());
        env.put("EDGEAUTH_PROVISIONING_TEMPLATES", "{\"default\":{}}");
        env.put("EDGEAUTH_COAP_PORT", "-1");
        env.put("EDGEAUTH_PROVISIONING_FLEET_CAS", "[{\"id\":\"omega\",\"certificateFile\":\""
                + dir.resolve("omega.pem") + "\"}]");
        return env;
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {a, b, redis}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    void aCaAddedRevokingAndWithdrawnOnOneNodeHoldsOnTheOther() throws Exception {
        FleetPki pki = new FleetPki("delta fleet CA");
        FleetPki.Issued first = pki.device("delta-1");
        FleetPki.Issued second = pki.device("delta-2");
        JsonObject ca = new JsonObject().put("id", "delta").put("certificate", FleetPki.pem(pki.caCertificate()));
        assertThat(adminA.postJson("/admin/fleet-cas", ca.encode()).statusCode()).isEqualTo(201);

        await().atMost(FEED).untilAsserted(() -> assertThat(token(b, first, "delta-1").statusCode())
                .as("B provisions a device of the CA trusted on A").isEqualTo(200));
        Http adminB = new Http("http://127.0.0.1:" + b.httpPort(), b.newAdminCredential().orElseThrow());
        assertThat(adminB.get("/admin/fleet-cas").body()).contains("\"id\":\"delta\"");

        ca.put("crl", FleetPki.pem(pki.crl(second.cert())));
        assertThat(adminA.postJson("/admin/fleet-cas", ca.encode()).statusCode()).isEqualTo(201);
        await().atMost(FEED).untilAsserted(() -> {
            HttpResponse<String> revoked = token(b, second, "delta-2");
            assertThat(revoked.statusCode()).as("B honours the CRL given on A: " + revoked.body()).isEqualTo(401);
            assertThat(revoked.body()).contains("revoked");
        });
        assertThat(token(b, first, "delta-1").statusCode()).isEqualTo(200);

        assertThat(adminA.delete("/admin/fleet-cas/delta").statusCode()).isEqualTo(204);
        await().atMost(FEED).untilAsserted(() -> {
            HttpResponse<String> withdrawn = token(b, first, "delta-1");
            assertThat(withdrawn.statusCode()).as("B refuses the CA withdrawn on A: " + withdrawn.body())
                    .isEqualTo(401);
            assertThat(withdrawn.body()).contains("withdrawn");
        });
        assertThat(adminB.get("/admin/fleet-cas").body()).doesNotContain("\"id\":\"delta\"");

        assertThat(adminA.postJson("/admin/fleet-cas", ca.encode()).statusCode()).as("trusted again").isEqualTo(201);
        await().atMost(FEED).untilAsserted(() -> assertThat(token(b, first, "delta-1").statusCode()).isEqualTo(200));
    }

    @Test
    void aCaFromEveryNodesConfigWithdrawnOnOneIsRefusedOnTheOther() throws Exception {
        FleetPki.Issued device = configCa.device("omega-1");
        assertThat(token(b, device, "omega-1").statusCode()).isEqualTo(200);

        assertThat(adminA.delete("/admin/fleet-cas/omega").statusCode()).isEqualTo(204);
        await().atMost(FEED).untilAsserted(() -> {
            HttpResponse<String> withdrawn = token(b, device, "omega-1");
            assertThat(withdrawn.statusCode()).as("B refuses the config CA withdrawn on A: " + withdrawn.body())
                    .isEqualTo(401);
            assertThat(withdrawn.body()).contains("withdrawn");
        });
    }

    /**
     * A CA withdrawn on A ends, on B, the live MQTT session of a device it provisioned and refuses the token that
     * device already holds (before, both lasted until the token's {@code exp}); a device of another CA keeps its
     * session and its token.
     */
    @Test
    void aWithdrawnCasDevicesSessionsAndHeldTokensEndOnEveryNode() throws Exception {
        FleetPki kappa = new FleetPki("kappa fleet CA");
        FleetPki lambda = new FleetPki("lambda fleet CA");
        FleetPki.Issued gone = kappa.device("kappa-1");
        FleetPki.Issued kept = lambda.device("lambda-1");
        for (var ca : Map.of("kappa", kappa, "lambda", lambda).entrySet()) {
            assertThat(adminA.postJson("/admin/fleet-cas", new JsonObject().put("id", ca.getKey())
                    .put("certificate", FleetPki.pem(ca.getValue().caCertificate())).encode()).statusCode()).isEqualTo(201);
        }
        await().atMost(FEED).untilAsserted(() -> assertThat(token(b, gone, "kappa-1").statusCode()).isEqualTo(200));
        String goneToken = accessToken(token(b, gone, "kappa-1"));
        String keptToken = accessToken(token(b, kept, "lambda-1"));
        Mqtt5BlockingClient goneSession = mqtt("kappa-1", goneToken);
        Mqtt5BlockingClient keptSession = mqtt("lambda-1", keptToken);

        assertThat(adminA.delete("/admin/fleet-cas/kappa").statusCode()).isEqualTo(204);
        await().atMost(FEED).untilAsserted(() -> assertThat(goneSession.getState().isConnected())
                .as("the withdrawn CA's device's session on B").isFalse());
        assertThatThrownBy(() -> mqtt("kappa-1", goneToken)).as("the token it holds, on B")
                .isInstanceOf(Mqtt5ConnAckException.class);
        assertThat(keptSession.getState().isConnected()).as("another CA's device").isTrue();
        keptSession.disconnect();
        mqtt("lambda-1", keptToken).disconnect(); // its token too
    }

    private static Mqtt5BlockingClient mqtt(String id, String token) {
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier(id)
                .serverHost("127.0.0.1").serverPort(b.mqttPort()).buildBlocking();
        client.connectWith().simpleAuth().username(id).password(token.getBytes(StandardCharsets.US_ASCII))
                .applySimpleAuth().send();
        return client;
    }

    private static String accessToken(HttpResponse<String> answer) {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return new JsonObject(answer.body()).getString("access_token");
    }

    /**
     * Two nodes on one host, no {@code audit.node} set: each chain is named by its node id, so the two files merged
     * into one verify (they were both named by the host name, and the merged file read as one chain out of order).
     */
    @Test
    void theNodesAuditChainsMergedIntoOneFileVerify() throws Exception {
        assertThat(adminA.postJson("/admin/revocations", "{\"sub\":\"audit-a\",\"reason\":\"test\"}").statusCode())
                .isEqualTo(201);
        Http adminB = new Http("http://127.0.0.1:" + b.httpPort(), b.newAdminCredential().orElseThrow());
        assertThat(adminB.postJson("/admin/revocations", "{\"sub\":\"audit-b\",\"reason\":\"test\"}").statusCode())
                .isEqualTo(201);
        List<String> merged = new java.util.ArrayList<>();
        for (String node : List.of("a", "b")) {
            merged.addAll(Files.readAllLines(dir.resolve("audit-" + node + ".log")));
        }
        assertThat(merged.stream().map(l -> new JsonObject(l).getString("node")).distinct())
                .containsExactlyInAnyOrder(Files.readString(dir.resolve("a/node-id")).strip(),
                        Files.readString(dir.resolve("b/node-id")).strip());
        merged.sort(java.util.Comparator.comparing(l -> new JsonObject(l).getString("ts")));
        Path file = Files.write(dir.resolve("audit-merged.log"), merged);
        io.edgeauth.broker.audit.ChainVerifier.Report report =
                new io.edgeauth.broker.audit.ChainVerifier(null).verify(List.of(file));
        assertThat(report.firstBreak()).as("merged chains").isNull();
    }

    private static HttpResponse<String> token(Broker node, FleetPki.Issued device, String id) throws Exception {
        return ZeroTouchTest.tokenFrom(node, id, device.keys().getPrivate(), List.of(device.cert()));
    }
}
