package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import io.edgeauth.broker.coap.DerivedPskStore;
import io.edgeauth.broker.testsupport.BrokerProcess;
import io.edgeauth.broker.testsupport.FreePorts;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.Wallets;
import io.edgeauth.device.AccessToken;
import io.edgeauth.device.DeviceCoapClient;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.TokenFormat;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * CoAP/DTLS telemetry in flight while the broker process is killed with SIGKILL: every upload the broker answered
 * with 2.04 (confirmable POST) that was routed to a persistent MQTT session reaches that session after the restart
 * (the 2.04 waits for the session journal's commit). The device's Observe relation and DTLS session live in the
 * killed process only: the device comes back with a new DTLS handshake, uploads its token again and observes again.
 */
class CoapUploadsSurviveKillTest {
    @TempDir
    Path dataDir;
    private BrokerProcess broker;
    private int httpPort;
    private int mqttPort;
    private int dtlsPort;

    @AfterEach
    void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void everyAcknowledgedUploadSurvivesKill9AndTheDeviceComesBack() throws Exception {
        httpPort = FreePorts.tcp();
        mqttPort = FreePorts.tcp();
        dtlsPort = FreePorts.udp();
        broker = start();
        Http admin = new Http(broker.url(), broker.admin());
        ECKeyPair wallet = Keys.createEcKeyPair();
        String did = Wallets.did(wallet);
        DeviceIdentity device = DeviceIdentity.generate("meter-1");
        assertThat(admin.postJson("/admin/devices", new JsonObject().put("id", "meter-1").put("owner", did)
                .put("jwk", new JsonObject(device.publicJwk().toJSONString())).encode()).statusCode()).isEqualTo(201);
        byte[] ownerToken = Wallets.siweLogin(broker.url(), wallet).getString("access_token")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] pskMaster = Files.readAllBytes(dataDir.resolve("coap-psk-master.key"));

        Mqtt5BlockingClient app = mqtt(did + "#owner-app");
        connectOwner(app, did, ownerToken);
        app.subscribeWith().topicFilter("d/meter-1/up/#").qos(MqttQos.AT_LEAST_ONCE).send();
        app.disconnect(); // offline: every upload is queued for it, in the journal

        DeviceCoapClient coap = coapClient(device, pskMaster);
        List<String> commands = new CopyOnWriteArrayList<>();
        coap.observeCommands(c -> commands.add(new String(c.payload(), StandardCharsets.UTF_8))).get(20, TimeUnit.SECONDS);
        command(did, ownerToken, "before");
        await().atMost(Duration.ofSeconds(20)).until(() -> commands.contains("before"));

        Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger unanswered = new AtomicInteger();
        AtomicBoolean killed = new AtomicBoolean();
        Thread uploads = new Thread(() -> {
            for (int i = 0; !killed.get() || unanswered.get() == 0; i++) {
                try { // confirmable POST: completes on 2.04
                    coap.publishTelemetry("t", ByteBuffer.allocate(4).putInt(0, i).array()).get(10, TimeUnit.SECONDS);
                    acknowledged.add(i);
                } catch (Exception e) {
                    unanswered.incrementAndGet(); // in flight at the kill: not acknowledged, may or may not arrive
                    return;
                }
            }
        }, "coap-uploads");
        uploads.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 100);
        broker.process().destroyForcibly(); // SIGKILL while uploads are in flight
        killed.set(true);
        assertThat(broker.process().waitFor(20, TimeUnit.SECONDS)).isTrue();
        uploads.join(30_000);
        assertThat(uploads.isAlive()).isFalse();
        coap.close();
        broker = start();

        // the device comes back: a new DTLS handshake, its token uploaded again, a new Observe relation
        DeviceCoapClient back = coapClient(device, pskMaster);
        commands.clear();
        back.observeCommands(c -> commands.add(new String(c.payload(), StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
        back.publishTelemetry("t", ByteBuffer.allocate(4).putInt(0, -1).array()).get(30, TimeUnit.SECONDS);
        command(did, ownerToken, "after");
        await().atMost(Duration.ofSeconds(20)).until(() -> commands.contains("after"));
        back.close();

        Mqtt5BlockingClient resumed = mqtt(did + "#owner-app");
        Set<Integer> received = ConcurrentHashMap.newKeySet();
        try (var in = resumed.publishes(MqttGlobalPublishFilter.ALL)) {
            assertThat(connectOwner(resumed, did, ownerToken).isSessionPresent()).as("the session survived").isTrue();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                in.receive(200, TimeUnit.MILLISECONDS)
                        .ifPresent(p -> received.add(ByteBuffer.wrap(p.getPayloadAsBytes()).getInt()));
                return received.containsAll(acknowledged) && received.contains(-1);
            });
        }
        resumed.disconnect();
        assertThat(acknowledged).as("acknowledged uploads before the kill").hasSizeGreaterThanOrEqualTo(100);
        assertThat(unanswered).hasValue(1);
    }

    private DeviceCoapClient coapClient(DeviceIdentity device, byte[] pskMaster) throws Exception {
        AccessToken cwt = DeviceFixtures.token(broker.url(), device, TokenFormat.CWT);
        DeviceCoapClient c = DeviceCoapClient.builder().serverUri(URI.create("coaps://127.0.0.1:" + dtlsPort))
                .identity(device).psk(DerivedPskStore.derive(pskMaster, "meter-1")).token(cwt).build();
        c.uploadToken().get(30, TimeUnit.SECONDS);
        return c;
    }

    /** The owner sends the device a command over MQTT (reaches its CoAP observation). */
    private void command(String did, byte[] ownerToken, String text) {
        Mqtt5BlockingClient owner = mqtt(did + "#commands");
        owner.connectWith().cleanStart(true).simpleAuth().username(did).password(ownerToken).applySimpleAuth().send();
        owner.publishWith().topic("d/meter-1/down/valve").qos(MqttQos.AT_LEAST_ONCE)
                .payload(text.getBytes(StandardCharsets.UTF_8)).send();
        owner.disconnect();
    }

    private Mqtt5ConnAck connectOwner(Mqtt5BlockingClient c, String did, byte[] token) {
        return c.connectWith().cleanStart(false).sessionExpiryInterval(3600)
                .simpleAuth().username(did).password(token).applySimpleAuth().send();
    }

    private Mqtt5BlockingClient mqtt(String id) {
        return Mqtt5Client.builder().identifier(id).serverHost("127.0.0.1").serverPort(mqttPort).buildBlocking();
    }

    private BrokerProcess start() throws Exception {
        return BrokerProcess.start(TestBrokers.env(dataDir, Map.of("EDGEAUTH_HTTP_PORT", Integer.toString(httpPort),
                        "EDGEAUTH_MQTT_PORT", Integer.toString(mqttPort), "EDGEAUTH_COAP_PORT", "-1",
                        "EDGEAUTH_COAP_DTLS_PORT", Integer.toString(dtlsPort),
                        "EDGEAUTH_RATE_PLANS", "{\"default\":{\"messagesPerSecond\":1000,\"burst\":1000,"
                                + "\"bytesPerSecond\":1000000}}")),
                List.of(), ProcessBuilder.Redirect.INHERIT);
    }

}
