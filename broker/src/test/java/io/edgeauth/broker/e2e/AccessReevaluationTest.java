package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAck;
import io.edgeauth.broker.testsupport.InProcessBrokerTest;
import io.edgeauth.broker.testsupport.Wallets;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.DeviceMqttClient;
import io.edgeauth.device.TokenFormat;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * Issue 15, continuous access evaluation: a change of a device's record (owner, region, ...) ends,
 * within a second, the live sessions its old record allowed (the device's own, and the former owner's),
 * not at their token's expiry; reconnected, each gets what the new record allows. A replacement that
 * changes nothing access-relevant ends nothing.
 */
class AccessReevaluationTest extends InProcessBrokerTest {

    @Test
    void anOwnershipTransferEndsTheFormerOwnersSubscriptionAndTheDevicesSession() throws Exception {
        ECKeyPair alice = Keys.createEcKeyPair();
        ECKeyPair bob = Keys.createEcKeyPair();
        DeviceIdentity device = DeviceFixtures.register(admin, "cae-pump", Wallets.did(alice), List.of());
        Mqtt5BlockingClient aliceApp = walletClient(alice, "a1");
        assertThat(subscribe(aliceApp)).isLessThan(0x80);
        DeviceMqttClient mqtt = deviceClient(device);

        int revocationsBefore = broker.revocations().size();
        assertThat(admin.postJsonPut("/admin/devices/cae-pump", body(device, Wallets.did(alice), List.of())).statusCode())
                .isEqualTo(200);
        assertThat(broker.revocations().size()).as("a replacement that changes nothing ends nothing")
                .isEqualTo(revocationsBefore);
        assertThat(mqtt.isConnected()).isTrue();

        assertThat(admin.postJsonPut("/admin/devices/cae-pump", body(device, Wallets.did(bob), List.of())).statusCode())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(1)).until(() -> !aliceApp.getState().isConnected() && !mqtt.isConnected());

        // with fresh tokens, fetched at once (dated after the revocation even within its second):
        // Alice may no longer read the device's telemetry, Bob may
        Mqtt5BlockingClient aliceAgain = walletClient(alice, "a2");
        assertThat(subscribe(aliceAgain)).isEqualTo(0x87);
        Mqtt5BlockingClient bobApp = walletClient(bob, "b1");
        assertThat(subscribe(bobApp)).isLessThan(0x80);
        DeviceMqttClient again = deviceClient(device);
        again.publishTelemetry("temp", "1".getBytes(StandardCharsets.UTF_8), 1).get(5, TimeUnit.SECONDS);
        again.disconnect();
        aliceAgain.disconnect();
        bobApp.disconnect();
    }

    @Test
    void aRegionChangeEndsTheDevicesSession() throws Exception {
        DeviceIdentity device = DeviceFixtures.register(admin, "cae-meter", null, List.of());
        DeviceMqttClient mqtt = deviceClient(device);
        assertThat(admin.postJsonPut("/admin/devices/cae-meter", body(device, null, List.of("u33"))).statusCode())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(1)).until(() -> !mqtt.isConnected());
    }

    private static String body(DeviceIdentity device, String owner, List<String> region) {
        JsonObject o = new JsonObject().put("jwk", new JsonObject(device.publicJwk().toJSONString()));
        if (owner != null) {
            o.put("owner", owner);
        }
        if (!region.isEmpty()) {
            o.put("region", new JsonArray(region));
        }
        return o.encode();
    }

    private static DeviceMqttClient deviceClient(DeviceIdentity device) throws Exception {
        DeviceMqttClient mqtt = DeviceMqttClient.builder().identity(device).serverHost("127.0.0.1")
                .serverPort(broker.mqttPort()).token(DeviceFixtures.token(base, device, TokenFormat.JWT)).build();
        mqtt.connect().get(10, TimeUnit.SECONDS);
        return mqtt;
    }

    private static Mqtt5BlockingClient walletClient(ECKeyPair wallet, String suffix) throws Exception {
        String did = Wallets.did(wallet);
        String token = Wallets.siweLogin(base, wallet).getString("access_token");
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(did + "#" + suffix)
                .serverHost("127.0.0.1").serverPort(broker.mqttPort()).buildBlocking();
        c.connectWith().simpleAuth().username(did).password(token.getBytes(StandardCharsets.US_ASCII))
                .applySimpleAuth().send();
        return c;
    }

    /** Subscribes to the device's telemetry; the SUBACK reason code. */
    private static int subscribe(Mqtt5BlockingClient c) {
        try {
            Mqtt5SubAck ack = c.subscribeWith().topicFilter("d/cae-pump/up/#").qos(MqttQos.AT_LEAST_ONCE).send();
            return ack.getReasonCodes().get(0).getCode();
        } catch (com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException e) {
            return e.getMqttMessage().getReasonCodes().get(0).getCode();
        }
    }
}
