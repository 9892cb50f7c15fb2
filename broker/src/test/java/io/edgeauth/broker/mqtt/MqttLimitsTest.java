package io.edgeauth.broker.mqtt;

import static io.edgeauth.broker.mqtt.Clients.bytes;
import static io.edgeauth.broker.mqtt.TestPipeline.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.edgeauth.broker.router.OverflowPolicy;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MqttLimitsTest {
    private EdgeFixture fx;

    @BeforeEach
    void start() throws Exception {
        fx = new EdgeFixture(MqttSettings.plain(0).withLimits(MqttSettings.Limits.builder().maxPacketSize(1024)
                .maxTopicLength(40).maxTopicDepth(5).maxClientIdLength(64).maxPasswordSize(512)
                .maxSubscriptionsPerSession(8).receiveMaximum(16).queueLength(100).offlineQueueLength(100)
                .overflowPolicy(OverflowPolicy.DROP_OLDEST).build()));
    }

    @AfterEach
    void stop() throws Exception {
        fx.close();
    }

    @Test
    void oversizedPacketClosesTheConnectionAndV5ClientsAreToldTheMaximum() {
        AtomicBoolean closed = new AtomicBoolean();
        Mqtt3BlockingClient v3 = MqttClient.builder().useMqttVersion3().identifier("dev1").serverHost("127.0.0.1")
                .serverPort(fx.port()).addDisconnectedListener(c -> closed.set(true)).buildBlocking();
        v3.connectWith().simpleAuth().username("dev1").password(bytes(token("dev1", "t", 60))).applySimpleAuth().send();
        try {
            v3.publishWith().topic("d/dev1/up/big").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[4096]).send();
        } catch (RuntimeException expected) {
            // the connection is gone before the PUBACK
        }
        await().untilTrue(closed);
        Mqtt5BlockingClient v5 = Clients.connectV5("dev2", fx.port(), token("dev2", "t", 60));
        assertThatThrownBy(() -> v5.publishWith().topic("d/dev2/up/big").qos(MqttQos.AT_LEAST_ONCE)
                .payload(new byte[4096]).send()).hasMessageContaining("size"); // refused by the client: CONNACK said 1024
    }

    @Test
    void topicLengthAndDepthLimits() {
        Mqtt5BlockingClient dev = Clients.connectV5("dev1", fx.port(), token("dev1", "t", 60));
        for (String topic : new String[] {"d/dev1/up/" + "x".repeat(40), "d/dev1/up/a/b/c"}) {
            assertThatThrownBy(() -> dev.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(bytes("x")).send())
                    .isInstanceOfSatisfying(Mqtt5PubAckException.class, e -> assertThat(e.getMqttMessage().getReasonCode())
                            .isEqualTo(Mqtt5PubAckReasonCode.TOPIC_NAME_INVALID));
        }
        assertThat(fx.counter("edgeauth.mqtt.drops", "reason", "topic_invalid")).isEqualTo(2);
    }

    @Test
    void passwordLimitApplies() {
        assertThatThrownBy(() -> Clients.connectV5("dev1", fx.port(), token("dev1", "t", 60) + "|" + "s".repeat(600)))
                .isInstanceOf(com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException.class);
        assertThat(fx.counter("edgeauth.mqtt.connects", "outcome", "refused", "reason", "oversized")).isEqualTo(1);
    }
}
