package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.web3j.crypto.ECKeyPair;

/**
 * The parts of the process tests where a device's owner roams between broker nodes with one persistent MQTT 5
 * session: devices registered on a node, the owner's client (one client id, session expiry 10 min), QoS 1
 * telemetry acknowledged one by one, and waiting until every message was seen.
 */
final class RoamingOwner {
    final ECKeyPair wallet = CrossNodeProcessesTest.createWallet();
    final String did = Wallets.did(wallet);
    private final BrokerProcess registry;

    /** {@code registry}: the node devices are registered on (with its admin credential). */
    RoamingOwner(BrokerProcess registry) {
        this.registry = registry;
    }

    /** The owner's access token (a SIWE login on the registry node). */
    String token() throws Exception {
        return Wallets.siweLogin(registry.url(), wallet).getString("access_token");
    }

    /** A device of the owner, registered and connected to {@code node}. */
    DeviceMqttClient device(BrokerProcess node, String id) throws Exception {
        DeviceIdentity identity = DeviceFixtures.register(new Http(registry.url(), registry.admin()), id, did, List.of());
        AccessToken token = DeviceFixtures.token(node.url(), identity, TokenFormat.JWT);
        DeviceMqttClient mqtt = DeviceMqttClient.builder().identity(identity).serverHost("127.0.0.1")
                .serverPort(node.mqttPort()).token(token).build();
        mqtt.connect().get(10, TimeUnit.SECONDS);
        return mqtt;
    }

    /** The device's owner as one MQTT 5 client id with a persistent session (10 min), on {@code node}. */
    Mqtt5AsyncClient connect(BrokerProcess node, String token, boolean cleanStart, Map<String, Integer> seen,
                             AtomicReference<Throwable> disconnected) throws Exception {
        Mqtt5AsyncClient client = MqttClient.builder().useMqttVersion5().identifier(did + "#roam")
                .serverHost("127.0.0.1").serverPort(node.mqttPort())
                .addDisconnectedListener(c -> disconnected.compareAndSet(null, c.getCause())).buildAsync();
        client.publishes(MqttGlobalPublishFilter.ALL,
                p -> seen.merge(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8), 1, Integer::sum));
        Mqtt5ConnAck ack = client.connectWith().cleanStart(cleanStart).sessionExpiryInterval(600).simpleAuth()
                .username(did).password(token.getBytes(StandardCharsets.US_ASCII)).applySimpleAuth()
                .send().get(10, TimeUnit.SECONDS);
        assertThat(ack.isSessionPresent()).as("session present").isEqualTo(!cleanStart);
        return client;
    }

    /** A new persistent session on {@code node} subscribed to the device's telemetry, one message of it seen. */
    Mqtt5AsyncClient subscribed(BrokerProcess node, DeviceMqttClient meter, String device, String token,
                                Map<String, Integer> seen) throws Exception {
        Mqtt5AsyncClient client = connect(node, token, true, seen, new AtomicReference<>());
        client.subscribeWith().topicFilter("d/" + device + "/up/#").qos(MqttQos.AT_LEAST_ONCE).send()
                .get(10, TimeUnit.SECONDS);
        // a route reaches the other nodes within a stream read, after the SUBACK (docs/scale-out.md): a message
        // published on the meter's node before it learned the route is not this session's; one fresh message every
        // half second until one arrives (a fresh-clone run lost the race once with a single message)
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (int i = 0; seen.keySet().stream().noneMatch(k -> k.startsWith("live")); i++) {
            if (System.nanoTime() > until) {
                throw new AssertionError("no live message reached the new session in 30 s: the route never arrived");
            }
            meter.publishTelemetry("kwh", ("live" + i).getBytes(StandardCharsets.UTF_8), 1).get(10, TimeUnit.SECONDS);
            Thread.sleep(500);
        }
        return client;
    }

    static void publish(DeviceMqttClient device, String prefix, int count) throws Exception {
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
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            if (!seen.containsKey(prefix + i)) {
                missing.add(prefix + i);
            }
        }
        return missing;
    }

    /** Waits until {@code node} routes to exactly {@code count} other live nodes (its {@code /metrics}, which count it too). */
    static void awaitLiveNodes(BrokerProcess node, int count) {
        Http metrics = new Http(node.url(), null);
        Pattern gauge = Pattern.compile("(?m)^edgeauth_cluster_nodes(\\{[^}]*})? " + (count + 1) + "\\.0$");
        await().atMost(Duration.ofSeconds(60)).until(() -> gauge.matcher(metrics.get("/metrics").body()).find());
    }

    /** SIGKILL: no shutdown, nothing handed over. */
    static void kill(BrokerProcess node) throws InterruptedException {
        node.process().destroyForcibly();
        assertThat(node.process().waitFor(20, TimeUnit.SECONDS)).isTrue();
    }
}
