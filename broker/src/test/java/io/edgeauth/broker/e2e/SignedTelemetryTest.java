package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import io.edgeauth.broker.testsupport.InProcessBrokerTest;
import io.edgeauth.broker.testsupport.Wallets;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.DeviceMqttClient;
import io.edgeauth.device.TelemetrySignatures;
import io.edgeauth.device.TokenFormat;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * Issue 15, signed telemetry end to end: in a tenant that requires it, a device's unsigned or wrongly
 * signed message is refused (MQTT PUBACK 0x87, CoAP 4.03); a message signed with the device's key
 * (device SDK) passes over MQTT (HiveMQ client) and CoAP (Californium), and its owner's subscriber gets
 * the signature beside the payload and checks it with the device's public key.
 */
@InProcessBrokerTest.Config("EDGEAUTH_TENANTS=[{\"id\":\"default\",\"requireSignedTelemetry\":true}]")
class SignedTelemetryTest extends InProcessBrokerTest {

    record Seen(String payload, String signature) { }

    @Test
    void onlySignedTelemetryPassesAndSubscribersCanCheckIt() throws Exception {
        ECKeyPair wallet = Keys.createEcKeyPair();
        String did = Wallets.did(wallet);
        DeviceIdentity device = DeviceFixtures.register(admin, "sig-pump", did, List.of());
        String ownerToken = Wallets.siweLogin(base, wallet).getString("access_token");
        Mqtt5BlockingClient owner = MqttClient.builder().useMqttVersion5().identifier(did + "#app")
                .serverHost("127.0.0.1").serverPort(broker.mqttPort()).buildBlocking();
        owner.connectWith().simpleAuth().username(did).password(ownerToken.getBytes(StandardCharsets.US_ASCII))
                .applySimpleAuth().send();
        List<Seen> seen = new CopyOnWriteArrayList<>();
        owner.toAsync().subscribeWith().topicFilter("d/sig-pump/up/#").qos(MqttQos.AT_LEAST_ONCE).callback(p -> {
            String sig = p.getUserProperties().asList().stream()
                    .filter(u -> u.getName().toString().equals(TelemetrySignatures.USER_PROPERTY))
                    .map(u -> u.getValue().toString()).findFirst().orElse(null);
            seen.add(new Seen(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8), sig));
        }).send().get(5, TimeUnit.SECONDS);

        String token = DeviceFixtures.token(base, device, TokenFormat.JWT).value();
        Mqtt5BlockingClient mqtt = MqttClient.builder().useMqttVersion5().identifier("sig-pump")
                .serverHost("127.0.0.1").serverPort(broker.mqttPort()).buildBlocking();
        mqtt.connectWith().simpleAuth().username("sig-pump").password(token.getBytes(StandardCharsets.US_ASCII))
                .applySimpleAuth().send();
        byte[] payload = "{\"t\":21.5}".getBytes(StandardCharsets.UTF_8);
        String signature = TelemetrySignatures.sign(device, payload);

        assertThat(publish(mqtt, payload, null)).as("unsigned").isEqualTo(0x87);
        assertThat(publish(mqtt, payload, TelemetrySignatures.sign(device, "{\"t\":0}".getBytes(StandardCharsets.UTF_8))))
                .as("signed over another payload").isEqualTo(0x87);
        assertThat(publish(mqtt, payload, TelemetrySignatures.sign(DeviceIdentity.generate("sig-pump"), payload)))
                .as("signed with another key").isEqualTo(0x87);
        // a valid signature and a second one nobody checked: subscribers got both (refused since 2026-12-06)
        var twice = mqtt.publishWith().topic("d/sig-pump/up/temp").payload(payload).qos(MqttQos.AT_LEAST_ONCE)
                .userProperties(Mqtt5UserProperties.builder().add(TelemetrySignatures.USER_PROPERTY, signature)
                        .add(TelemetrySignatures.USER_PROPERTY, "e30..AAAA").build());
        int twiceCode;
        try {
            twiceCode = ((Mqtt5PublishResult.Mqtt5Qos1Result) twice.send()).getPubAck().getReasonCode().getCode();
        } catch (Mqtt5PubAckException e) {
            twiceCode = e.getMqttMessage().getReasonCode().getCode();
        }
        assertThat(twiceCode).as("two signatures").isEqualTo(0x87);
        assertThat(publish(mqtt, payload, signature)).as("signed by the device").isEqualTo(0);
        await().atMost(Duration.ofSeconds(5)).until(() -> !seen.isEmpty());
        assertThat(seen).containsExactly(new Seen("{\"t\":21.5}", signature));
        assertThat(TelemetrySignatures.verify(seen.get(0).signature(), payload, device.publicJwk())).isTrue();
        mqtt.disconnect();

        // the device SDK signs by itself when asked to
        DeviceMqttClient sdk = DeviceMqttClient.builder().identity(device).serverHost("127.0.0.1")
                .serverPort(broker.mqttPort()).token(DeviceFixtures.token(base, device, TokenFormat.JWT))
                .signTelemetry(device).build();
        sdk.connect().get(10, TimeUnit.SECONDS);
        sdk.publishTelemetry("temp", "{\"t\":22}".getBytes(StandardCharsets.UTF_8), 1).get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 2);
        assertThat(TelemetrySignatures.verify(seen.get(1).signature(), "{\"t\":22}".getBytes(StandardCharsets.UTF_8),
                device.publicJwk())).isTrue();
        sdk.disconnect();

        // CoAP: the signature rides in the Uri-Query sig=
        CoapClient authz = new CoapClient("coap://127.0.0.1:" + broker.coapPort() + "/authz-info");
        assertThat(authz.post(token, MediaTypeRegistry.TEXT_PLAIN).getCode()).isEqualTo(CoAP.ResponseCode.CREATED);
        String up = "coap://127.0.0.1:" + broker.coapPort() + "/d/sig-pump/up/hum";
        byte[] hum = "40".getBytes(StandardCharsets.UTF_8);
        CoapClient unsigned = new CoapClient(up);
        assertThat(unsigned.post(hum, MediaTypeRegistry.TEXT_PLAIN).getCode()).isEqualTo(CoAP.ResponseCode.FORBIDDEN);
        String humSig = TelemetrySignatures.sign(device, hum);
        CoapClient signed = new CoapClient(up + "?sig=" + URLEncoder.encode(humSig, StandardCharsets.UTF_8));
        assertThat(signed.post(hum, MediaTypeRegistry.TEXT_PLAIN).getCode()).isEqualTo(CoAP.ResponseCode.CHANGED);
        await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 3);
        assertThat(seen.get(2)).isEqualTo(new Seen("40", humSig));
        authz.shutdown();
        unsigned.shutdown();
        signed.shutdown();
        owner.disconnect();
    }

    @Test
    void walletsAreNotAskedToSignCommands() throws Exception {
        ECKeyPair wallet = Keys.createEcKeyPair();
        String did = Wallets.did(wallet);
        DeviceFixtures.register(admin, "sig-valve", did, List.of());
        JsonObject login = Wallets.siweLogin(base, wallet);
        Mqtt5BlockingClient owner = MqttClient.builder().useMqttVersion5().identifier(did + "#cmd")
                .serverHost("127.0.0.1").serverPort(broker.mqttPort()).buildBlocking();
        owner.connectWith().simpleAuth().username(did)
                .password(login.getString("access_token").getBytes(StandardCharsets.US_ASCII)).applySimpleAuth().send();
        assertThat(publishTo(owner, "d/sig-valve/down/open", new byte[] {1}, null)).isEqualTo(0);
        owner.disconnect();
    }

    private static int publish(Mqtt5BlockingClient client, byte[] payload, String signature) {
        return publishTo(client, "d/sig-pump/up/temp", payload, signature);
    }

    private static int publishTo(Mqtt5BlockingClient client, String topic, byte[] payload, String signature) {
        var builder = client.publishWith().topic(topic).payload(payload).qos(MqttQos.AT_LEAST_ONCE);
        if (signature != null) {
            builder.userProperties(Mqtt5UserProperties.builder().add(TelemetrySignatures.USER_PROPERTY, signature).build());
        }
        try {
            Mqtt5PublishResult result = builder.send();
            return ((Mqtt5PublishResult.Mqtt5Qos1Result) result).getPubAck().getReasonCode().getCode();
        } catch (Mqtt5PubAckException e) {
            return e.getMqttMessage().getReasonCode().getCode();
        }
    }
}
