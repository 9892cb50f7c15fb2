package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import io.edgeauth.broker.testsupport.BrokerProcess;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.Wallets;
import io.edgeauth.device.AccessToken;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.DeviceMqttClient;
import io.edgeauth.device.TokenFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * Two broker processes ({@code BrokerCli run}, as a user starts them) on one redis-server: telemetry
 * published on A reaches the owner on B and a revocation made on B ends the device's session on A; and
 * the subscriber's node killed with SIGKILL while A keeps publishing QoS 1 loses nothing: restarted on
 * its data directory (same node id), it takes back its inbox and the persistent session gets every message.
 */
class CrossNodeProcessesTest {
    @TempDir
    Path dir;
    RedisNodes nodes;
    BrokerProcess a;
    BrokerProcess b;
    final ECKeyPair wallet = createWallet();
    final String did = Wallets.did(wallet);

    static ECKeyPair createWallet() {
        try {
            return Keys.createEcKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeEach
    void start() throws Exception {
        nodes = RedisNodes.start(dir);
        a = nodes.node("a");
        b = nodes.node("b");
    }

    @AfterEach
    void stop() throws Exception {
        if (nodes != null) {
            nodes.close();
        }
    }

    DeviceIdentity register(String id) {
        DeviceIdentity identity = DeviceFixtures.register(new Http(a.url(), a.admin()), id, did, List.of());
        Http onB = new Http(b.url(), b.admin());
        await().atMost(Duration.ofSeconds(10)).until(() -> onB.get("/admin/devices/" + id).statusCode() == 200);
        return identity;
    }

    DeviceMqttClient connect(BrokerProcess node, DeviceIdentity identity) throws Exception {
        AccessToken token = DeviceFixtures.token(node.url(), identity, TokenFormat.JWT);
        DeviceMqttClient mqtt = DeviceMqttClient.builder().identity(identity).serverHost("127.0.0.1")
                .serverPort(node.mqttPort()).token(token).build();
        mqtt.connect().get(10, TimeUnit.SECONDS);
        return mqtt;
    }

    /** The owner on {@code node} with a persistent session (expiry 10 min), receiving into {@code sink}. */
    Mqtt5AsyncClient owner(BrokerProcess node, String accessToken, boolean cleanStart, Consumer<String> sink)
            throws Exception {
        Mqtt5AsyncClient client = MqttClient.builder().useMqttVersion5().identifier(did + "#watch")
                .serverHost("127.0.0.1").serverPort(node.mqttPort()).buildAsync();
        client.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL,
                p -> sink.accept(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)));
        Mqtt5ConnAck ack = client.connectWith().cleanStart(cleanStart).sessionExpiryInterval(600).simpleAuth()
                .username(did).password(accessToken.getBytes(StandardCharsets.US_ASCII)).applySimpleAuth()
                .send().get(10, TimeUnit.SECONDS);
        assertThat(ack.isSessionPresent()).isEqualTo(!cleanStart);
        return client;
    }

    /** Waits until A routes the device's telemetry to B: probes (QoS 0) published there by the device arrive. */
    static void awaitRoute(DeviceMqttClient device, Map<String, Integer> seen) {
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).until(() -> {
            device.publishTelemetry("probe", "probe".getBytes(StandardCharsets.UTF_8), 0).get(10, TimeUnit.SECONDS);
            return seen.containsKey("probe");
        });
    }

    @Test
    void twoProcessesShareRoutingAndRevocations() throws Exception {
        DeviceIdentity identity = register("xp-pump");
        DeviceMqttClient pump = connect(a, identity);
        String token = Wallets.siweLogin(b.url(), wallet).getString("access_token");
        Map<String, Integer> seen = new ConcurrentHashMap<>();
        Mqtt5AsyncClient owner = owner(b, token, true, p -> seen.merge(p, 1, Integer::sum));
        owner.subscribeWith().topicFilter("d/xp-pump/up/#").qos(MqttQos.AT_LEAST_ONCE).send().get(10, TimeUnit.SECONDS);
        awaitRoute(pump, seen);
        pump.publishTelemetry("temp", "21.5".getBytes(StandardCharsets.UTF_8), 1).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.containsKey("21.5"));

        Http adminB = new Http(b.url(), b.admin());
        assertThat(adminB.postJson("/admin/revocations", "{\"sub\":\"xp-pump\",\"reason\":\"stolen\"}").statusCode())
                .isEqualTo(201);
        await().atMost(Duration.ofSeconds(5)).until(() -> !pump.isConnected());
        assertThatThrownBy(() -> DeviceFixtures.token(a.url(), identity, TokenFormat.JWT)).hasMessageContaining("revoked");
        owner.disconnect();
    }

    @Test
    void theSubscribersNodeKilledMidStreamLosesNoAcknowledgedMessage() throws Exception {
        DeviceMqttClient meter = connect(a, register("xp-meter"));
        String token = Wallets.siweLogin(b.url(), wallet).getString("access_token");
        Map<String, Integer> seen = new ConcurrentHashMap<>();
        Mqtt5AsyncClient owner = owner(b, token, true, p -> seen.merge(p, 1, Integer::sum));
        owner.subscribeWith().topicFilter("d/xp-meter/up/#").qos(MqttQos.AT_LEAST_ONCE).send().get(10, TimeUnit.SECONDS);
        awaitRoute(meter, seen);

        int total = 200;
        for (int i = 0; i < total; i++) {
            if (i == 60) {
                b.process().destroyForcibly(); // SIGKILL mid-stream: no shutdown, no close
            }
            // each call returns once A acknowledged the message: from then on it must reach the owner
            meter.publishTelemetry("kwh", ("m" + i).getBytes(StandardCharsets.UTF_8), 1).get(10, TimeUnit.SECONDS);
        }
        assertThat(b.process().waitFor(20, TimeUnit.SECONDS)).isTrue();
        b = nodes.node("b"); // same data directory: same node id, same session journal
        owner(b, token, false, p -> seen.merge(p, 1, Integer::sum)); // the session and its subscription are back
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> missing(seen, total).isEmpty());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("missing after the restart: " + missing(seen, total), e);
        }
        meter.disconnect();
    }

    static List<String> missing(Map<String, Integer> seen, int total) {
        List<String> missing = new java.util.ArrayList<>();
        for (int i = 0; i < total; i++) {
            if (!seen.containsKey("m" + i)) {
                missing.add("m" + i);
            }
        }
        return missing;
    }
}
