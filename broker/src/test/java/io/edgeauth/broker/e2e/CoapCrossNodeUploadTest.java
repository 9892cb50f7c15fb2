package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.RedisServer;
import io.edgeauth.broker.testsupport.TcpProxy;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.Wallets;
import io.edgeauth.device.CoapRequestException;
import io.edgeauth.device.DeviceCoapClient;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.TokenFormat;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;

/**
 * CoAP telemetry uploaded on node A for an owner on node B is answered 2.04 only once it is in B's inbox:
 * with A cut off from Redis the upload is refused 5.03 (send it again), never acknowledged and lost; once
 * A is back an upload is answered 2.04 and reaches the owner on B.
 */
class CoapCrossNodeUploadTest {
    @TempDir
    Path dir;
    RedisServer redis;
    TcpProxy toRedisFromA;
    Broker a;
    Broker b;
    final ECKeyPair wallet = CrossNodeProcessesTest.createWallet();
    final String did = Wallets.did(wallet);

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start(Files.createDirectories(dir.resolve("redis")));
        toRedisFromA = new TcpProxy(redis.port());
        a = Broker.start(TestBrokers.config(dir.resolve("a"), env("redis://127.0.0.1:" + toRedisFromA.port())));
        b = Broker.start(TestBrokers.config(dir.resolve("b"), env(redis.uri())));
    }

    Map<String, String> env(String uri) throws java.io.IOException {
        Map<String, String> env = new java.util.HashMap<>(redis.brokerEnv(uri));
        env.put("EDGEAUTH_RATE_PLANS", "{\"default\":{\"messagesPerSecond\":1000,\"burst\":1000,"
                + "\"bytesPerSecond\":1000000}}");
        return env;
    }

    String health(Broker node) {
        return new Http("http://localhost:" + node.httpPort(), null).get("/health").body();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {a, b, toRedisFromA, redis}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    void anUploadForAnotherNodeIsAnsweredOnlyOnceItIsInThatNodesInbox() throws Exception {
        Http adminA = new Http("http://localhost:" + a.httpPort(), a.newAdminCredential().orElseThrow());
        DeviceIdentity identity = DeviceFixtures.register(adminA, "xc-sensor", did, List.of());
        await().atMost(Duration.ofSeconds(10)).until(() -> b.registry().find("xc-sensor").isPresent());
        Map<String, Integer> seen = new ConcurrentHashMap<>();
        Mqtt5AsyncClient owner = MqttClient.builder().useMqttVersion5().identifier(did + "#coap-watch")
                .serverHost("127.0.0.1").serverPort(b.mqttPort()).buildAsync();
        owner.connectWith().simpleAuth().username(did).password(Wallets.siweLogin("http://localhost:" + b.httpPort(),
                wallet).getString("access_token").getBytes(StandardCharsets.US_ASCII)).applySimpleAuth()
                .send().get(10, TimeUnit.SECONDS);
        owner.subscribeWith().topicFilter("d/xc-sensor/up/#").qos(MqttQos.AT_LEAST_ONCE)
                .callback(p -> seen.merge(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8), 1, Integer::sum))
                .send().get(10, TimeUnit.SECONDS);

        DeviceCoapClient coap = DeviceCoapClient.builder().serverUri(URI.create("coap://127.0.0.1:" + a.coapPort()))
                .identity(identity).token(DeviceFixtures.token("http://localhost:" + a.httpPort(), identity, TokenFormat.CWT))
                .build();
        try {
            coap.uploadToken().get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
                coap.publishTelemetry("t", "probe".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
                return seen.containsKey("probe"); // A routes the device's topic to B now
            });

            toRedisFromA.cut();
            await().atMost(Duration.ofSeconds(10)).until(() -> health(a).contains("DEGRADED"));
            assertThatThrownBy(() -> coap.publishTelemetry("t", "lost?".getBytes(StandardCharsets.UTF_8))
                    .get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOfSatisfying(CoapRequestException.class,
                            e -> assertThat(e.code()).isEqualTo("5.03"));

            toRedisFromA.restore();
            await().atMost(Duration.ofSeconds(20)).until(() -> !health(a).contains("DEGRADED"));
            coap.publishTelemetry("t", "kept".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> seen.containsKey("kept"));
            assertThat(seen).doesNotContainKey("lost?");
        } finally {
            coap.close();
            owner.disconnect();
        }
    }
}
