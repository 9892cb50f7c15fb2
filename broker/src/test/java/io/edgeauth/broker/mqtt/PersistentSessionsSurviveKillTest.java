package io.edgeauth.broker.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import io.edgeauth.broker.testsupport.BrokerProcess;
import io.edgeauth.broker.testsupport.FreePorts;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.Wallets;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.TokenClient;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * A persistent session (session expiry > 0), the QoS 1 messages it is owed and retained messages survive
 * a SIGKILL of the broker process: every message the broker PUBACKed to its publisher reaches the
 * subscriber when it resumes after the restart.
 */
class PersistentSessionsSurviveKillTest {
    @TempDir
    Path dataDir;
    private BrokerProcess broker;
    private int httpPort;
    private int mqttPort;

    @AfterEach
    void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void queuedAndInflightMessagesAndRetainedSurviveKill9() throws Exception {
        httpPort = FreePorts.tcp();
        mqttPort = FreePorts.tcp();
        broker = start();
        Http admin = new Http(broker.url(), broker.admin());
        ECKeyPair wallet = Keys.createEcKeyPair();
        String did = Wallets.did(wallet);
        DeviceIdentity device = DeviceIdentity.generate("sensor-9");
        assertThat(admin.postJson("/admin/devices", new JsonObject().put("id", "sensor-9").put("owner", did)
                .put("jwk", new JsonObject(device.publicJwk().toJSONString())).encode()).statusCode()).isEqualTo(201);
        byte[] deviceToken = TokenClient.builder().brokerUri(URI.create(broker.url())).identity(device).build()
                .fetch().get(20, TimeUnit.SECONDS).value().getBytes(StandardCharsets.US_ASCII);
        byte[] ownerToken = Wallets.siweLogin(broker.url(), wallet).getString("access_token")
                .getBytes(StandardCharsets.US_ASCII);

        // the owner's app subscribes with a persistent session, then goes away
        Mqtt5BlockingClient app = client(did + "#owner-app");
        connectOwner(app, did, ownerToken);
        app.subscribeWith().topicFilter("d/sensor-9/up/#").qos(MqttQos.AT_LEAST_ONCE).send();
        app.disconnect();

        Mqtt5BlockingClient dev = client("sensor-9");
        dev.connectWith().simpleAuth().username("sensor-9").password(deviceToken).applySimpleAuth().send();
        for (int i = 0; i < 200; i++) { // each returns once PUBACKed
            assertThat(dev.publishWith().topic("d/sensor-9/up/t").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(ByteBuffer.allocate(4).putInt(0, i)).send().getError()).isEmpty();
        }
        dev.publishWith().topic("d/sensor-9/up/state").qos(MqttQos.AT_LEAST_ONCE).retain(true)
                .payload("on".getBytes(StandardCharsets.UTF_8)).send();

        broker.process().destroyForcibly(); // SIGKILL: no shutdown hook, no store close
        assertThat(broker.process().waitFor(20, TimeUnit.SECONDS)).isTrue();
        broker = start();

        Mqtt5BlockingClient back = client(did + "#owner-app");
        Set<Integer> received = ConcurrentHashMap.newKeySet();
        try (var in = back.publishes(MqttGlobalPublishFilter.ALL)) {
            Mqtt5ConnAck ack = connectOwner(back, did, ownerToken);
            assertThat(ack.isSessionPresent()).as("the session survived the kill").isTrue();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                in.receive(200, TimeUnit.MILLISECONDS).ifPresent(p -> {
                    if (p.getTopic().toString().equals("d/sensor-9/up/t")) {
                        received.add(ByteBuffer.wrap(p.getPayloadAsBytes()).getInt());
                    }
                });
                return received.size() == 200;
            });
        }
        back.disconnect();

        Mqtt5BlockingClient late = client(did + "#late-app");
        try (var in = late.publishes(MqttGlobalPublishFilter.ALL)) {
            late.connectWith().cleanStart(true).simpleAuth().username(did).password(ownerToken).applySimpleAuth().send();
            late.subscribeWith().topicFilter("d/sensor-9/up/state").qos(MqttQos.AT_LEAST_ONCE).send();
            var retained = in.receive(20, TimeUnit.SECONDS);
            assertThat(retained).as("the retained message survived the kill").isPresent();
            assertThat(new String(retained.get().getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("on");
        }
        late.disconnect();
    }

    private Mqtt5ConnAck connectOwner(Mqtt5BlockingClient c, String did, byte[] token) {
        return c.connectWith().cleanStart(false).sessionExpiryInterval(3600)
                .simpleAuth().username(did).password(token).applySimpleAuth().send();
    }

    private Mqtt5BlockingClient client(String id) {
        return Mqtt5Client.builder().identifier(id).serverHost("127.0.0.1").serverPort(mqttPort).buildBlocking();
    }

    private BrokerProcess start() throws Exception {
        return BrokerProcess.start(TestBrokers.env(dataDir, Map.of("EDGEAUTH_HTTP_PORT", Integer.toString(httpPort),
                        "EDGEAUTH_MQTT_PORT", Integer.toString(mqttPort), "EDGEAUTH_COAP_PORT", "-1",
                        "EDGEAUTH_RATE_PLANS", "{\"default\":{\"messagesPerSecond\":1000,\"burst\":1000,"
                                + "\"bytesPerSecond\":1000000}}")),
                List.of(), ProcessBuilder.Redirect.INHERIT);
    }

}
