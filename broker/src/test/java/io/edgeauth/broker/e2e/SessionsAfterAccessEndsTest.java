package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.edgeauth.broker.testsupport.InProcessBrokerTest;
import io.edgeauth.broker.testsupport.TestServices;
import io.edgeauth.broker.testsupport.Wallets;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.TokenFormat;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * A persistent session does not outlive the access it was made under (found by a red-team tour: revocation ended
 * connections and tokens, and the offline session kept its subscriptions and queue). A former owner's session resumed
 * after a transfer is not handed the device's messages published since; the device's resumed session is not handed
 * the former owner's queued commands; a device registered again under a deleted id does not resume the old session;
 * a deleted service's offline session leaves its share group.
 */
class SessionsAfterAccessEndsTest extends InProcessBrokerTest {

    @Test
    void aFormerOwnersSessionResumedAfterATransferIsNotHandedTheDevicesNewMessages() throws Exception {
        ECKeyPair alice = Keys.createEcKeyPair();
        ECKeyPair bob = Keys.createEcKeyPair();
        DeviceIdentity device = DeviceFixtures.register(admin, "sae-pump", Wallets.did(alice), List.of());
        Mqtt5BlockingClient app = wallet(alice, "app", true);
        app.subscribeWith().topicFilter("d/sae-pump/up/#").qos(MqttQos.AT_LEAST_ONCE).send();
        app.disconnect();
        transfer(device, "sae-pump", Wallets.did(bob));
        Mqtt5BlockingClient pump = device(device, "sae-pump", true);
        for (int i = 0; i < 3; i++) {
            pump.publishWith().topic("d/sae-pump/up/t").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(("after-transfer-" + i).getBytes(StandardCharsets.UTF_8)).send();
        }
        pump.disconnect();
        Mqtt5BlockingClient again = MqttClient.builder().useMqttVersion5().identifier(Wallets.did(alice) + "#app")
                .serverHost("127.0.0.1").serverPort(broker.mqttPort()).buildBlocking();
        try (Mqtt5BlockingClient.Mqtt5Publishes in = again.publishes(MqttGlobalPublishFilter.ALL)) {
            connect(again, Wallets.did(alice), Wallets.siweLogin(base, alice).getString("access_token"), false);
            assertThat(in.receive(1, TimeUnit.SECONDS)).as("a message the former owner's session queued after the transfer")
                    .isEmpty();
        }
        again.disconnect();
    }

    @Test
    void theFormerOwnersQueuedCommandDoesNotReachTheDeviceAfterATransfer() throws Exception {
        ECKeyPair alice = Keys.createEcKeyPair();
        ECKeyPair bob = Keys.createEcKeyPair();
        DeviceIdentity device = DeviceFixtures.register(admin, "sae-door", Wallets.did(alice), List.of());
        Mqtt5BlockingClient door = device(device, "sae-door", true);
        door.subscribeWith().topicFilter("d/sae-door/down/#").qos(MqttQos.AT_LEAST_ONCE).send();
        door.disconnect();
        Mqtt5BlockingClient app = wallet(alice, "cmd", true);
        app.publishWith().topic("d/sae-door/down/unlock").qos(MqttQos.AT_LEAST_ONCE)
                .payload("open".getBytes(StandardCharsets.UTF_8)).send();
        app.disconnect();
        transfer(device, "sae-door", Wallets.did(bob));
        assertThat(received(device, "sae-door")).as("the former owner's command, queued before the transfer").isEmpty();
    }

    @Test
    void aDeviceRegisteredAgainUnderADeletedIdStartsAfreshWithoutTheOldCommands() throws Exception {
        DeviceIdentity old = DeviceFixtures.register(admin, "sae-meter", null, List.of());
        Mqtt5BlockingClient meter = device(old, "sae-meter", true);
        meter.subscribeWith().topicFilter("d/sae-meter/down/#").qos(MqttQos.AT_LEAST_ONCE).send();
        meter.disconnect();
        assertThat(admin.postJson("/admin/devices/sae-meter/commands",
                new JsonObject().put("topic", "wifi").put("payload", "psk=old").put("qos", 1).encode()).statusCode())
                .isEqualTo(202);
        assertThat(admin.delete("/admin/devices/sae-meter").statusCode()).isEqualTo(204);
        DeviceIdentity successor = DeviceFixtures.register(admin, "sae-meter", null, List.of());
        Mqtt5BlockingClient next = MqttClient.builder().useMqttVersion5().identifier("sae-meter")
                .serverHost("127.0.0.1").serverPort(broker.mqttPort()).buildBlocking();
        try (Mqtt5BlockingClient.Mqtt5Publishes in = next.publishes(MqttGlobalPublishFilter.ALL)) {
            Mqtt5ConnAck ack = connect(next, "sae-meter", DeviceFixtures.token(base, successor, TokenFormat.JWT).value(), false);
            assertThat(ack.isSessionPresent()).as("the deleted device's session").isFalse();
            assertThat(in.receive(1, TimeUnit.SECONDS)).as("the deleted device's queued command").isEmpty();
        }
        next.disconnect();
    }

    @Test
    void aDeletedServicesOfflineSessionLeavesItsShareGroup() throws Exception {
        DeviceIdentity gone = TestServices.register(admin, "sae-svc-1", "default", "sub:d/+/up/#");
        DeviceIdentity live = TestServices.register(admin, "sae-svc-2", "default", "sub:d/+/up/#");
        Mqtt5BlockingClient first = service(gone, "sae-svc-1");
        first.subscribeWith().topicFilter("$share/g/d/+/up/sae/#").qos(MqttQos.AT_LEAST_ONCE).send();
        first.disconnect();
        assertThat(admin.delete("/admin/services/sae-svc-1").statusCode()).isEqualTo(204);
        Mqtt5BlockingClient second = service(live, "sae-svc-2");
        List<Mqtt5Publish> got = new ArrayList<>();
        try (Mqtt5BlockingClient.Mqtt5Publishes in = second.publishes(MqttGlobalPublishFilter.ALL)) {
            second.subscribeWith().topicFilter("$share/g/d/+/up/sae/#").qos(MqttQos.AT_LEAST_ONCE).send();
            DeviceIdentity sensor = DeviceFixtures.register(admin, "sae-sensor", null, List.of());
            Mqtt5BlockingClient s = device(sensor, "sae-sensor", false);
            for (int i = 0; i < 4; i++) {
                s.publishWith().topic("d/sae-sensor/up/sae/t").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {(byte) i}).send();
            }
            s.disconnect();
            for (Optional<Mqtt5Publish> m = in.receive(2, TimeUnit.SECONDS); m.isPresent(); m = in.receive(1, TimeUnit.SECONDS)) {
                got.add(m.get());
            }
        }
        second.disconnect();
        assertThat(got).as("every message goes to the live member; none to the deleted service's session").hasSize(4);
    }

    private static List<Mqtt5Publish> received(DeviceIdentity identity, String id) throws Exception {
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1")
                .serverPort(broker.mqttPort()).buildBlocking();
        List<Mqtt5Publish> got = new ArrayList<>();
        try (Mqtt5BlockingClient.Mqtt5Publishes in = c.publishes(MqttGlobalPublishFilter.ALL)) {
            connect(c, id, DeviceFixtures.token(base, identity, TokenFormat.JWT).value(), false);
            in.receive(1, TimeUnit.SECONDS).ifPresent(got::add);
        }
        c.disconnect();
        return got;
    }

    private static void transfer(DeviceIdentity device, String id, String newOwner) {
        JsonObject body = new JsonObject().put("jwk", new JsonObject(device.publicJwk().toJSONString())).put("owner", newOwner);
        assertThat(admin.postJsonPut("/admin/devices/" + id, body.encode()).statusCode()).isEqualTo(200);
        // the revocation ends live sessions within a second; fresh tokens are dated after it
        await().pollDelay(Duration.ofMillis(1100)).atMost(Duration.ofSeconds(3)).until(() -> true);
    }

    private static Mqtt5BlockingClient device(DeviceIdentity identity, String id, boolean persistent) throws Exception {
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1")
                .serverPort(broker.mqttPort()).buildBlocking();
        connect(c, id, DeviceFixtures.token(base, identity, TokenFormat.JWT).value(), !persistent);
        return c;
    }

    private static Mqtt5BlockingClient service(DeviceIdentity identity, String id) {
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1")
                .serverPort(broker.mqttPort()).buildBlocking();
        connect(c, id, TestServices.token(new io.edgeauth.broker.testsupport.Http(base, null), base, identity, null), false);
        return c;
    }

    private static Mqtt5BlockingClient wallet(ECKeyPair wallet, String suffix, boolean persistent) throws Exception {
        String did = Wallets.did(wallet);
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(did + "#" + suffix)
                .serverHost("127.0.0.1").serverPort(broker.mqttPort()).buildBlocking();
        connect(c, did, Wallets.siweLogin(base, wallet).getString("access_token"), !persistent);
        return c;
    }

    private static Mqtt5ConnAck connect(Mqtt5BlockingClient c, String user, String token, boolean cleanStart) {
        return c.connectWith().cleanStart(cleanStart).sessionExpiryInterval(cleanStart ? 0 : 600).simpleAuth()
                .username(user).password(token.getBytes(StandardCharsets.US_ASCII)).applySimpleAuth().send();
    }
}
