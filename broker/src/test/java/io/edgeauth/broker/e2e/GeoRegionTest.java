package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.device.AccessToken;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.TokenClient;
import io.edgeauth.device.TokenFormat;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * GeoHash region enforcement on a node serving {@code u33d}, over MQTT and CoAP with real clients:
 * tokens whose cells miss the node, locations outside the token's cells (at CONNECT, per PUBLISH,
 * per CoAP request), and the location travelling with routed messages.
 */
class GeoRegionTest {
    @TempDir
    static Path dataDir;
    static Broker broker;
    static String base;
    static Http admin;
    static String ownerDid;
    static String ownerToken;

    @BeforeAll
    static void start() throws Exception {
        broker = Broker.start(TestBrokers.config(dataDir, Map.of("EDGEAUTH_REGION_GEOHASH", "u33d",
                "EDGEAUTH_REGION_NAME", "berlin-1")));
        base = "http://localhost:" + broker.httpPort();
        admin = new Http(base, broker.newAdminCredential().orElseThrow());
        EndToEndTest.base = base;
        EndToEndTest.anonymous = new Http(base, null);
        ECKeyPair wallet = Keys.createEcKeyPair();
        String address = Keys.toChecksumAddress(Keys.getAddress(wallet));
        ownerDid = "did:pkh:eip155:1:" + address;
        ownerToken = EndToEndTest.siweLogin(wallet, address).getString("access_token");
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    static DeviceIdentity register(String id, String... cells) {
        return DeviceFixtures.register(admin, id, ownerDid, List.of(cells));
    }

    static AccessToken token(DeviceIdentity identity, TokenFormat format) throws Exception {
        return DeviceFixtures.token(base, identity, format);
    }

    static Mqtt5BlockingClient mqtt(String id) {
        return MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1")
                .serverPort(broker.mqttPort()).buildBlocking();
    }

    @Test
    void issuedTokensCarryTheRegistryCellsAndTheNodeRegion() throws Exception {
        AccessToken t = token(register("geo-claims", "u33db", "u33dc"), TokenFormat.JWT);
        JsonObject claims = new JsonObject(admin.postForm("/oauth/introspect", Map.of("token", t.value())).body());
        assertThat(claims.getJsonArray("geo").getList()).containsExactly("u33db", "u33dc");
        assertThat(claims.getString("region")).isEqualTo("berlin-1");
    }

    @Test
    void mqttRefusesTokensAndLocationsOutsideTheRegion() throws Exception {
        AccessToken inside = token(register("geo-in", "u33db"), TokenFormat.JWT);
        AccessToken outside = token(register("geo-out", "gcpv"), TokenFormat.JWT);

        assertThatThrownBy(() -> mqtt("geo-out").connectWith().simpleAuth().username("geo-out")
                .password(outside.bytes()).applySimpleAuth().send())
                .isInstanceOfSatisfying(Mqtt5ConnAckException.class,
                        e -> assertThat(e.getMqttMessage().getReasonCode().getCode()).isEqualTo(0x87));
        assertThatThrownBy(() -> mqtt("geo-in").connectWith().simpleAuth().username("geo-in")
                .password(inside.bytes()).applySimpleAuth().userProperties().add("geo", "u33dc").applyUserProperties().send())
                .isInstanceOfSatisfying(Mqtt5ConnAckException.class,
                        e -> assertThat(e.getMqttMessage().getReasonCode().getCode()).isEqualTo(0x87));

        Mqtt5BlockingClient owner = mqtt(ownerDid + "#geo-owner");
        owner.connectWith().simpleAuth().username(ownerDid).password(ownerToken.getBytes(StandardCharsets.US_ASCII))
                .applySimpleAuth().send();
        List<String> seen = new CopyOnWriteArrayList<>();
        owner.toAsync().subscribeWith().topicFilter("d/geo-in/up/#").qos(MqttQos.AT_LEAST_ONCE)
                .callback(p -> seen.add(p.getUserProperties().asList().stream()
                        .filter(u -> u.getName().toString().equals("geo")).map(u -> u.getValue().toString())
                        .findFirst().orElse("none")))
                .send().get(5, TimeUnit.SECONDS);

        Mqtt5BlockingClient device = mqtt("geo-in");
        device.connectWith().simpleAuth().username("geo-in").password(inside.bytes()).applySimpleAuth()
                .userProperties().add("geo", "u33db9").applyUserProperties().send();
        assertThat(pubAck(device, "u33dc1")).as("PUBLISH from outside the token's cells").isEqualTo(0x87);
        assertThat(pubAck(device, "u33db12")).isEqualTo(0x00);
        assertThat(pubAck(device, null)).isEqualTo(0x00);
        await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 2);
        assertThat(seen).containsExactly("u33db12", "u33db9"); // per message, else the CONNECT location
        device.disconnect();
        owner.disconnect();
    }

    @Test
    void coapRefusesTokensAndLocationsOutsideTheRegion() throws Exception {
        AccessToken inside = token(register("geo-coap-in", "u33db"), TokenFormat.CWT);
        AccessToken outside = token(register("geo-coap-out", "gcpv"), TokenFormat.CWT);
        String root = "coap://127.0.0.1:" + broker.coapPort();
        CoapClient client = new CoapClient(root + "/authz-info");
        try {
            CoapResponse refused = client.post(outside.bytes(), MediaTypeRegistry.APPLICATION_CWT);
            assertThat(refused.getCode()).isIn(ResponseCode.UNAUTHORIZED, ResponseCode.FORBIDDEN);
            assertThat(client.post(inside.bytes(), MediaTypeRegistry.APPLICATION_CWT).getCode())
                    .isEqualTo(ResponseCode.CREATED);
            client.setURI(root + "/d/geo-coap-in/up/t?geo=u33dc1");
            assertThat(client.post("x", MediaTypeRegistry.TEXT_PLAIN).getCode()).isEqualTo(ResponseCode.FORBIDDEN);
            client.setURI(root + "/d/geo-coap-in/up/t?geo=u33db1");
            assertThat(client.post("x", MediaTypeRegistry.TEXT_PLAIN).getCode()).isEqualTo(ResponseCode.CHANGED);
        } finally {
            client.shutdown();
        }
    }

    private static int pubAck(Mqtt5BlockingClient client, String geo) {
        var publish = client.publishWith().topic("d/geo-in/up/t").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {1});
        if (geo != null) {
            publish = publish.userProperties().add("geo", geo).applyUserProperties();
        }
        try {
            return ((Mqtt5PublishResult.Mqtt5Qos1Result) publish.send()).getPubAck().getReasonCode().getCode();
        } catch (Mqtt5PubAckException e) {
            return e.getMqttMessage().getReasonCode().getCode();
        }
    }
}
