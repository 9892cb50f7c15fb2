package io.edgeauth.broker.mqtt;

import static io.edgeauth.broker.mqtt.Clients.bytes;
import static io.edgeauth.broker.mqtt.Clients.text;
import static io.edgeauth.broker.mqtt.RawMqtt.readPacket;
import static io.edgeauth.broker.mqtt.RawMqtt.string;
import static io.edgeauth.broker.mqtt.TestPipeline.token;
import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The MQTT 5 properties an application message carries (§3.3.2.3): the Message Expiry Interval is applied (an expired
 * message is not delivered, queued or retained, and a subscriber gets what is left of it), and Payload Format
 * Indicator, Content Type, Response Topic and Correlation Data reach subscribers unaltered.
 */
class MessagePropertiesTest {
    private EdgeFixture fx;

    @BeforeEach
    void start() throws Exception {
        fx = new EdgeFixture(MqttSettings.plain(0).withAbuseThreshold(1000));
    }

    @AfterEach
    void stop() throws Exception {
        fx.close();
    }

    /** An owner-like app: it may write dev1's downlink and read its uplink. */
    private Mqtt5BlockingClient app() {
        return Clients.connectV5("app", fx.port(), "app|t|60|sub:d/dev1/up/# pub:d/dev1/down/#");
    }

    private Mqtt5BlockingClient persistentDevice() {
        Mqtt5BlockingClient dev = Clients.v5("dev1", fx.port()).buildBlocking();
        dev.connectWith().cleanStart(false).sessionExpiryInterval(300).simpleAuth().username("dev1")
                .password(bytes(token("dev1", "t", 60))).applySimpleAuth().send();
        return dev;
    }

    private static List<Mqtt5Publish> drain(Mqtt5BlockingClient.Mqtt5Publishes in) throws InterruptedException {
        List<Mqtt5Publish> got = new ArrayList<>();
        for (Optional<Mqtt5Publish> p = in.receive(1500, TimeUnit.MILLISECONDS); p.isPresent();
             p = in.receive(500, TimeUnit.MILLISECONDS)) {
            got.add(p.get());
        }
        return got;
    }

    @Test
    void aQueuedMessageWhoseExpiryPassedIsNotDeliveredAndTheOthersCarryWhatIsLeft() throws Exception {
        Mqtt5BlockingClient dev = persistentDevice();
        dev.subscribeWith().topicFilter("d/dev1/down/#").qos(MqttQos.AT_LEAST_ONCE).send();
        dev.disconnect();
        Mqtt5BlockingClient app = app();
        app.publishWith().topic("d/dev1/down/unlock").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("stale"))
                .messageExpiryInterval(1).send();
        app.publishWith().topic("d/dev1/down/config").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("fresh"))
                .messageExpiryInterval(3600).send();
        app.publishWith().topic("d/dev1/down/config").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("plain")).send();
        Thread.sleep(2100); // past the first one's second

        Mqtt5BlockingClient back = Clients.v5("dev1", fx.port()).buildBlocking();
        try (var in = back.publishes(MqttGlobalPublishFilter.ALL)) {
            back.connectWith().cleanStart(false).sessionExpiryInterval(300).simpleAuth().username("dev1")
                    .password(bytes(token("dev1", "t", 60))).applySimpleAuth().send();
            List<Mqtt5Publish> got = drain(in);
            assertThat(got).extracting(p -> text(p.getPayloadAsBytes())).containsExactly("fresh", "plain");
            assertThat(got.get(0).getMessageExpiryInterval().orElseThrow()).as("3600 s less the time it waited, rounded up")
                    .isBetween(3590L, 3599L);
            assertThat(got.get(1).getMessageExpiryInterval()).as("published without one: never expires").isEmpty();
        }
        assertThat(fx.counter("edgeauth.mqtt.drops", "reason", "message_expired")).isEqualTo(1);
    }

    @Test
    void anExpiredRetainedMessageIsNotSentToANewSubscriber() throws Exception {
        Mqtt5BlockingClient app = app();
        app.publishWith().topic("d/dev1/down/mode").qos(MqttQos.AT_LEAST_ONCE).retain(true).payload(bytes("eco"))
                .messageExpiryInterval(1).send();
        app.publishWith().topic("d/dev1/down/name").qos(MqttQos.AT_LEAST_ONCE).retain(true).payload(bytes("pump"))
                .send();
        Thread.sleep(1100);
        Mqtt5BlockingClient dev = Clients.connectV5("dev1", fx.port(), token("dev1", "t", 60));
        try (var in = dev.publishes(MqttGlobalPublishFilter.ALL)) {
            dev.subscribeWith().topicFilter("d/dev1/down/#").qos(MqttQos.AT_LEAST_ONCE).send();
            assertThat(drain(in)).extracting(p -> text(p.getPayloadAsBytes())).containsExactly("pump");
        }
    }

    @Test
    void payloadFormatContentTypeResponseTopicAndCorrelationDataReachSubscribersUnaltered() throws Exception {
        Mqtt5BlockingClient dev = Clients.connectV5("dev1", fx.port(), token("dev1", "t", 60));
        try (var in = dev.publishes(MqttGlobalPublishFilter.ALL)) {
            dev.subscribeWith().topicFilter("d/dev1/down/#").qos(MqttQos.AT_LEAST_ONCE).send();
            app().publishWith().topic("d/dev1/down/read").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("{\"what\":\"temp\"}"))
                    .payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8).contentType("application/json")
                    .responseTopic("d/dev1/up/replies").correlationData(new byte[] {1, 2, 3, (byte) 0xff}).send();
            Mqtt5Publish p = in.receive(5, TimeUnit.SECONDS).orElseThrow();
            assertThat(p.getPayloadFormatIndicator()).contains(Mqtt5PayloadFormatIndicator.UTF_8);
            assertThat(p.getContentType()).hasValueSatisfying(t -> assertThat(t.toString()).isEqualTo("application/json"));
            assertThat(p.getResponseTopic()).hasValueSatisfying(t -> assertThat(t.toString()).isEqualTo("d/dev1/up/replies"));
            assertThat(p.getCorrelationData()).hasValueSatisfying(c -> assertThat(bytesOf(c)).containsExactly(1, 2, 3, 0xff));
            assertThat(p.getMessageExpiryInterval()).isEmpty();
        }
    }

    @Test
    void theWillCarriesItsPropertiesAndItsExpiryCountsFromItsPublication() throws Exception {
        Mqtt5BlockingClient app = app();
        try (var in = app.publishes(MqttGlobalPublishFilter.ALL)) {
            app.subscribeWith().topicFilter("d/dev1/up/#").qos(MqttQos.AT_LEAST_ONCE).send();
            Mqtt5BlockingClient dev = Clients.v5("dev1", fx.port()).buildBlocking();
            dev.connectWith().simpleAuth().username("dev1").password(bytes(token("dev1", "t", 60))).applySimpleAuth()
                    .willPublish().topic("d/dev1/up/status").payload(bytes("gone")).delayInterval(2)
                    .messageExpiryInterval(60).contentType("text/plain").applyWillPublish().send();
            dev.disconnectWith().reasonCode(
                    com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE)
                    .send();
            Mqtt5Publish will = in.receive(10, TimeUnit.SECONDS).orElseThrow();
            assertThat(text(will.getPayloadAsBytes())).isEqualTo("gone");
            assertThat(will.getContentType()).hasValueSatisfying(t -> assertThat(t.toString()).isEqualTo("text/plain"));
            assertThat(will.getMessageExpiryInterval().orElseThrow()).as("60 s from the will's publication, not from CONNECT")
                    .isBetween(59L, 60L);
        }
    }

    /** MQTT 5 §3.3.2.3.5: a Response Topic with a wildcard is a protocol error. */
    @Test
    void aResponseTopicWithAWildcardEndsTheConnection() throws Exception {
        try (Socket s = RawMqtt.connected(fx.port(), 5, "dev1")) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            string(body, bytes("d/dev1/up/x"));
            body.writeBytes(new byte[] {0, 1}); // packet id
            byte[] properties = {0x08, 0, 3, 'a', '/', '#'};
            RawMqtt.varInt(body, properties.length);
            body.writeBytes(properties);
            body.write('x');
            RawMqtt.packet(s.getOutputStream(), 0x32, body.toByteArray());
            int[] disconnect = readPacket(new DataInputStream(s.getInputStream()));
            assertThat(disconnect[0]).as("DISCONNECT").isEqualTo(0xe0);
            assertThat(disconnect[2]).as("protocol error").isEqualTo(0x82);
        }
    }

    private static int[] bytesOf(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        int[] out = new int[d.remaining()];
        for (int i = 0; i < out.length; i++) {
            out[i] = d.get() & 0xff;
        }
        return out;
    }
}
