package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.edgeauth.broker.testsupport.BrokerProcess;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.Wallets;
import io.edgeauth.device.AccessToken;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.DeviceMqttClient;
import io.edgeauth.device.TokenFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;

/**
 * Persistent MQTT sessions follow their client across two broker processes on one redis-server: a session
 * left on A with QoS 1 messages queued is resumed on B with every message (and its subscription, so later
 * messages reach B); a connection of the same client on the other node ends the first one with 0x8E; and
 * after a SIGKILL of A, the messages A acknowledged to their publisher while the session was offline there
 * are delivered on B, and so are the messages B acknowledged for the session after A died (they went to
 * A's inbox), whether the client comes back before or after A's lease ended.
 */
class SessionMobilityProcessesTest {
    @TempDir
    Path dir;
    RedisNodes nodes;
    BrokerProcess a;
    BrokerProcess b;
    final ECKeyPair wallet = CrossNodeProcessesTest.createWallet();
    final String did = Wallets.did(wallet);

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

    DeviceMqttClient device(BrokerProcess node, String id) throws Exception {
        DeviceIdentity identity = DeviceFixtures.register(new Http(a.url(), a.admin()), id, did, List.of());
        AccessToken token = DeviceFixtures.token(node.url(), identity, TokenFormat.JWT);
        DeviceMqttClient mqtt = DeviceMqttClient.builder().identity(identity).serverHost("127.0.0.1")
                .serverPort(node.mqttPort()).token(token).build();
        mqtt.connect().get(10, TimeUnit.SECONDS);
        return mqtt;
    }

    /** The device's owner as one MQTT 5 client id with a persistent session (10 min), on {@code node}. */
    Mqtt5AsyncClient owner(BrokerProcess node, String token, boolean cleanStart, Map<String, Integer> seen,
                           AtomicReference<Throwable> disconnected) throws Exception {
        Mqtt5AsyncClient client = MqttClient.builder().useMqttVersion5().identifier(did + "#roam")
                .serverHost("127.0.0.1").serverPort(node.mqttPort())
                .addDisconnectedListener(c -> disconnected.compareAndSet(null, c.getCause())).buildAsync();
        client.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL,
                p -> seen.merge(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8), 1, Integer::sum));
        Mqtt5ConnAck ack = client.connectWith().cleanStart(cleanStart).sessionExpiryInterval(600).simpleAuth()
                .username(did).password(token.getBytes(StandardCharsets.US_ASCII)).applySimpleAuth()
                .send().get(10, TimeUnit.SECONDS);
        assertThat(ack.isSessionPresent()).as("session present").isEqualTo(!cleanStart);
        return client;
    }

    void publish(DeviceMqttClient device, String prefix, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            // returns once the node acknowledged the message: from then on it must reach the session
            device.publishTelemetry("kwh", (prefix + i).getBytes(StandardCharsets.UTF_8), 1).get(10, TimeUnit.SECONDS);
        }
    }

    static void awaitAll(Map<String, Integer> seen, String prefix, int count) {
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> missing(seen, prefix, count).isEmpty());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("missing: " + missing(seen, prefix, count), e);
        }
    }

    static List<String> missing(Map<String, Integer> seen, String prefix, int count) {
        List<String> missing = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            if (!seen.containsKey(prefix + i)) {
                missing.add(prefix + i);
            }
        }
        return missing;
    }

    @Test
    void aSessionLeftOnAIsResumedOnBWithItsQueuedMessagesAndTakenBackWith0x8E() throws Exception {
        DeviceMqttClient meter = device(a, "roam-meter");
        String token = Wallets.siweLogin(a.url(), wallet).getString("access_token");
        Map<String, Integer> seen = new ConcurrentHashMap<>();
        Mqtt5AsyncClient onA = subscribedOnA(meter, "roam-meter", token, seen);
        onA.disconnect().get(10, TimeUnit.SECONDS);

        publish(meter, "q", 50); // queued on A for the offline session
        AtomicReference<Throwable> bEnded = new AtomicReference<>();
        Mqtt5AsyncClient onB = owner(b, token, false, seen, bEnded); // session present on the other node
        awaitAll(seen, "q", 50);
        publish(meter, "after", 20); // its subscription moved too: A now routes to B
        awaitAll(seen, "after", 20);

        AtomicReference<Throwable> aEnded = new AtomicReference<>();
        owner(a, token, false, seen, aEnded); // back to A while connected to B
        await().atMost(Duration.ofSeconds(10)).until(() -> bEnded.get() != null);
        assertThat(bEnded.get()).isInstanceOfSatisfying(Mqtt5DisconnectException.class, e -> assertThat(
                e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5DisconnectReasonCode.SESSION_TAKEN_OVER));
        assertThat(onB.getState().isConnected()).isFalse();
        publish(meter, "back", 10);
        awaitAll(seen, "back", 10);
        assertThat(aEnded.get()).isNull();
        meter.disconnect();
    }

    @Test
    void messagesAcknowledgedByAKilledNodeReachTheSessionOnTheOtherNode() throws Exception {
        DeviceMqttClient meter = device(a, "roam-kill");
        String token = Wallets.siweLogin(a.url(), wallet).getString("access_token");
        Map<String, Integer> seen = new ConcurrentHashMap<>();
        Mqtt5AsyncClient onA = subscribedOnA(meter, "roam-kill", token, seen);
        onA.disconnect().get(10, TimeUnit.SECONDS);

        publish(meter, "k", 100); // every one acknowledged by A while the session is offline there
        killA();

        owner(b, token, false, seen, new AtomicReference<>());
        awaitAll(seen, "k", 100);
    }

    @Test
    void messagesPublishedOnBAfterTheOwnerDiedReachTheSessionTakenOverOnB() throws Exception {
        DeviceMqttClient meter = device(b, "roam-dead"); // the publisher is on the node that survives
        String token = Wallets.siweLogin(a.url(), wallet).getString("access_token");
        Map<String, Integer> seen = new ConcurrentHashMap<>();
        subscribedOnA(meter, "roam-dead", token, seen);

        killA(); // its client is still connected
        publish(meter, "dead", 40); // acknowledged by B while A is dead, its lease alive: into A's inbox
        owner(b, token, false, seen, new AtomicReference<>());
        awaitAll(seen, "dead", 40);
        publish(meter, "after", 10);
        awaitAll(seen, "after", 10);
        meter.disconnect();
    }

    @Test
    void messagesPublishedOnBAfterTheOwnerDiedReachTheSessionTakenOverAfterTheLeaseEnded() throws Exception {
        DeviceMqttClient meter = device(b, "roam-late");
        String token = Wallets.siweLogin(a.url(), wallet).getString("access_token");
        Map<String, Integer> seen = new ConcurrentHashMap<>();
        Mqtt5AsyncClient onA = subscribedOnA(meter, "roam-late", token, seen);
        onA.disconnect().get(10, TimeUnit.SECONDS); // the session waits offline on A

        String nodeA = Files.readString(dir.resolve("a").resolve("node-id")).trim();
        killA();
        publish(meter, "dead", 40);
        // A's lease ends now rather than in 120 s (nobody renews it), and B drops A's routes
        nodes.redis.command("ZADD", "ea:nodes", Long.toString(System.currentTimeMillis() - 1000), nodeA);
        Http metrics = new Http(b.url(), null);
        await().atMost(Duration.ofSeconds(30)).until(() -> java.util.regex.Pattern.compile(
                "(?m)^edgeauth_cluster_nodes(\\{[^}]*})? 0\\.0$").matcher(metrics.get("/metrics").body()).find());
        owner(b, token, false, seen, new AtomicReference<>());
        awaitAll(seen, "dead", 40);
        meter.disconnect();
    }

    /** The owner's persistent session on A subscribed to the device's telemetry, one message of it seen there. */
    Mqtt5AsyncClient subscribedOnA(DeviceMqttClient meter, String device, String token, Map<String, Integer> seen)
            throws Exception {
        Mqtt5AsyncClient onA = owner(a, token, true, seen, new AtomicReference<>());
        onA.subscribeWith().topicFilter("d/" + device + "/up/#").qos(MqttQos.AT_LEAST_ONCE).send().get(10, TimeUnit.SECONDS);
        publish(meter, "live", 1); // seen: the meter's node routes to A from then on
        awaitAll(seen, "live", 1);
        return onA;
    }

    void killA() throws InterruptedException {
        a.process().destroyForcibly(); // SIGKILL: no shutdown, nothing handed over
        assertThat(a.process().waitFor(20, TimeUnit.SECONDS)).isTrue();
    }
}
