package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.RedisServer;
import io.edgeauth.broker.testsupport.TcpProxy;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.device.AccessToken;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.DeviceMqttClient;
import io.edgeauth.device.TokenFormat;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two broker nodes on one redis-server (node A reaches it through a proxy the test can cut): a device
 * registered on A authenticates on B; a revocation on B ends A's live session within a second and A
 * refuses the token; a node cut off from Redis while another revokes drops the session when it is back.
 */
class ScaleOutTest {
    @TempDir
    static Path dir;
    static RedisServer redis;
    static TcpProxy toRedisFromA;
    static Broker a;
    static Broker b;
    static Http adminA;
    static Http adminB;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start(Files.createDirectories(dir.resolve("redis")));
        toRedisFromA = new TcpProxy(redis.port());
        a = Broker.start(TestBrokers.config(dir.resolve("a"), redisStore("redis://127.0.0.1:" + toRedisFromA.port())));
        b = Broker.start(TestBrokers.config(dir.resolve("b"), redisStore(redis.uri())));
        adminA = new Http(base(a), a.newAdminCredential().orElseThrow());
        adminB = new Http(base(b), b.newAdminCredential().orElseThrow());
    }

    static Map<String, String> redisStore(String uri) throws java.io.IOException {
        return redis.brokerEnv(uri);
    }

    static String base(Broker broker) {
        return "http://localhost:" + broker.httpPort();
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {a, b, toRedisFromA, redis}) {
            if (c != null) {
                c.close();
            }
        }
    }

    static DeviceMqttClient connect(Broker node, DeviceIdentity device, AccessToken token) throws Exception {
        DeviceMqttClient mqtt = DeviceMqttClient.builder().identity(device).serverHost("127.0.0.1")
                .serverPort(node.mqttPort()).token(token).build();
        mqtt.connect().get(10, TimeUnit.SECONDS);
        return mqtt;
    }

    @Test
    void registeredOnAAuthenticatesOnB() throws Exception {
        DeviceIdentity device = DeviceFixtures.register(adminA, "so-pump", null, List.of());
        assertThat(new Http(base(a), null).get("/health").body()).contains("\"store\":\"redis\"");
        AccessToken token = DeviceFixtures.token(base(b), device, TokenFormat.JWT); // at once, on the other node
        DeviceMqttClient mqtt = connect(b, device, token);
        assertThat(mqtt.isConnected()).isTrue();
        mqtt.disconnect();
        assertThat(adminB.get("/admin/devices/so-pump").statusCode()).isEqualTo(200);
        // deleted on B: A forgets it too
        assertThat(adminB.delete("/admin/devices/so-pump").statusCode()).isEqualTo(204);
        await().atMost(Duration.ofSeconds(5)).until(() -> a.registry().find("so-pump").isEmpty());
        assertThatThrownBy(() -> DeviceFixtures.token(base(a), device, TokenFormat.JWT)).hasMessageContaining("invalid_client");
    }

    @Test
    void bothNodesSignWithTheSameKeysAndARotationOnAIsInBsJwks() throws Exception {
        DeviceIdentity device = DeviceFixtures.register(adminA, "so-keys", null, List.of());
        AccessToken fromA = DeviceFixtures.token(base(a), device, TokenFormat.JWT);
        connect(b, device, fromA).disconnect(); // issued on A, accepted on B
        String kid = new JsonObject(adminB.postJson("/admin/keys/rotate", "{}").body()).getString("kid");
        Http anonymousA = new Http(base(a), null);
        await().atMost(Duration.ofSeconds(5)).until(() -> anonymousA.get("/.well-known/jwks.json").body().contains(kid));
        AccessToken afterRotation = DeviceFixtures.token(base(a), device, TokenFormat.JWT);
        JsonObject claims = new JsonObject(adminB.postForm("/oauth/introspect", Map.of("token", afterRotation.value())).body());
        assertThat(claims.getBoolean("active")).isTrue();
        connect(b, device, fromA).disconnect(); // the retired key still verifies on B
    }

    @Test
    void revokedOnBEndsTheSessionOnAWithinASecond() throws Exception {
        DeviceIdentity device = DeviceFixtures.register(adminA, "so-valve", null, List.of());
        AccessToken token = DeviceFixtures.token(base(a), device, TokenFormat.JWT);
        DeviceMqttClient mqtt = connect(a, device, token);
        assertThat(adminB.postJson("/admin/revocations", "{\"sub\":\"so-valve\",\"reason\":\"stolen\"}").statusCode())
                .isEqualTo(201);
        await().atMost(Duration.ofSeconds(1)).until(() -> !mqtt.isConnected());
        // A's verified-token cache refuses it too
        JsonObject introspected = new JsonObject(adminA.postForm("/oauth/introspect", Map.of("token", token.value())).body());
        assertThat(introspected.getBoolean("active")).isFalse();
        DeviceMqttClient again = DeviceMqttClient.builder().identity(device).serverHost("127.0.0.1")
                .serverPort(a.mqttPort()).token(token).build();
        assertThatThrownBy(() -> again.connect().get(10, TimeUnit.SECONDS)).rootCause().hasMessageContaining("NOT_AUTHORIZED");
    }

    @Test
    void aNodeCutOffDuringARevocationDropsTheSessionWhenItIsBack() throws Exception {
        DeviceIdentity device = DeviceFixtures.register(adminA, "so-meter", null, List.of());
        AccessToken token = DeviceFixtures.token(base(a), device, TokenFormat.JWT);
        DeviceMqttClient mqtt = connect(a, device, token);
        Http healthA = new Http(base(a), null);
        toRedisFromA.cut();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> healthA.get("/health").body().contains("DEGRADED"));
            assertThat(adminB.postJson("/admin/revocations", "{\"sub\":\"so-meter\",\"reason\":\"stolen\"}").statusCode())
                    .isEqualTo(201);
            assertThat(mqtt.isConnected()).as("A cannot know yet; its live session continues").isTrue();
        } finally {
            toRedisFromA.restore();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> !mqtt.isConnected());
        await().atMost(Duration.ofSeconds(10)).until(() -> healthA.get("/health").body().contains("\"UP\""));
    }
}
