package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.RedisServer;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.device.AccessToken;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.DeviceMqttClient;
import io.edgeauth.device.TokenFormat;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Redis stopped and restarted under two nodes: new authentications fail closed on the default node and
 * are admitted on the fail-open one, live sessions continue, {@code /health} says DEGRADED with the
 * reason, the metrics count it, and everything resumes without a restart when Redis is back.
 */
class RedisOutageTest {
    @TempDir
    static Path dir;
    static RedisServer redis;
    static Broker closed;
    static Broker open;
    static Http admin;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start(Files.createDirectories(dir.resolve("redis")));
        closed = Broker.start(TestBrokers.config(dir.resolve("closed"), store(null)));
        open = Broker.start(TestBrokers.config(dir.resolve("open"), store("fail-open-revocations")));
        admin = new Http(base(closed), closed.newAdminCredential().orElseThrow());
    }

    static Map<String, String> store(String onOutage) throws java.io.IOException {
        Map<String, String> env = new HashMap<>(redis.brokerEnv(redis.uri()));
        env.put("EDGEAUTH_STORE_REDIS_TIMEOUT", "1s");
        if (onOutage != null) {
            env.put("EDGEAUTH_STORE_ON_OUTAGE", onOutage);
        }
        return env;
    }

    static String base(Broker b) {
        return "http://localhost:" + b.httpPort();
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {closed, open, redis}) {
            if (c != null) {
                c.close();
            }
        }
    }

    static DeviceMqttClient client(Broker node, DeviceIdentity device, AccessToken token) {
        return DeviceMqttClient.builder().identity(device).serverHost("127.0.0.1").serverPort(node.mqttPort())
                .token(token).build();
    }

    static double metric(Broker node, String name) {
        String text = new Http(base(node), null).get("/metrics").body();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(text);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(2));
        }
        return sum;
    }

    @Test
    void outageFailsNewAuthenticationsClosedKeepsLiveSessionsAndResumes() throws Exception {
        DeviceIdentity device = DeviceFixtures.register(admin, "out-pump", null, List.of());
        AccessToken token = DeviceFixtures.token(base(closed), device, TokenFormat.JWT);
        DeviceMqttClient live = client(closed, device, token);
        live.connect().get(10, TimeUnit.SECONDS);
        assertThat(metric(closed, "edgeauth_store_up")).isEqualTo(1.0);

        redis.stop();
        try {
            Http health = new Http(base(closed), null);
            await().atMost(Duration.ofSeconds(10)).until(() -> health.get("/health").body().contains("DEGRADED"));
            JsonObject status = new JsonObject(health.get("/health").body());
            assertThat(status.getString("reason")).startsWith("redis unreachable");
            assertThat(metric(closed, "edgeauth_store_up")).isZero();
            assertThat(metric(closed, "edgeauth_store_outages_total")).isGreaterThanOrEqualTo(1.0);

            // fail-closed (the default): a valid token is refused as "server unavailable, retry" (0x88), not as a
            // bad credential
            DeviceMqttClient fresh = client(closed, device, token);
            assertThatThrownBy(() -> fresh.connect().get(10, TimeUnit.SECONDS)).rootCause()
                    .hasMessageContaining("SERVER_UNAVAILABLE");
            assertThat(metric(closed, "edgeauth_store_failures_total")).isGreaterThanOrEqualTo(1.0);
            // token issuance needs the shared replay guard: refused too
            assertThatThrownBy(() -> DeviceFixtures.token(base(closed), device, TokenFormat.JWT)).isNotNull();
            // fail-open-revocations: the same token is admitted on this node's last known revocations
            DeviceMqttClient admitted = client(open, device, token); // the nodes share their signing keys
            admitted.connect().get(10, TimeUnit.SECONDS);
            admitted.disconnect();
            // the live session carries on
            live.publishTelemetry("temp", "21".getBytes(StandardCharsets.UTF_8), 1).get(10, TimeUnit.SECONDS);
            assertThat(live.isConnected()).isTrue();
        } finally {
            redis.restart();
        }
        Http health = new Http(base(closed), null);
        await().atMost(Duration.ofSeconds(20)).until(() -> health.get("/health").body().contains("\"UP\""));
        assertThat(metric(closed, "edgeauth_store_up")).isEqualTo(1.0);
        DeviceMqttClient after = client(closed, device, DeviceFixtures.token(base(closed), device, TokenFormat.JWT));
        after.connect().get(10, TimeUnit.SECONDS);
        after.disconnect();
        // and the shared state survived the restart (append-only file): a revocation still reaches the session
        assertThat(admin.postJson("/admin/revocations", "{\"sub\":\"out-pump\",\"reason\":\"test\"}").statusCode()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(2)).until(() -> !live.isConnected());
    }
}
