package io.edgeauth.broker.mqtt;

import static io.edgeauth.broker.mqtt.Clients.bytes;
import static io.edgeauth.broker.mqtt.Clients.text;
import static io.edgeauth.broker.mqtt.TestPipeline.token;
import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubRecException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.pubrec.Mqtt5PubRecReasonCode;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A retained publish the tenant has no room for is refused with 0x97 Quota exceeded (PUBACK for QoS 1, PUBREC
 * for QoS 2) and neither kept nor delivered, instead of a success PUBACK for a message silently not retained.
 * Replacing or deleting a retained message the tenant already holds still works when it is full.
 */
class RetainedQuotaTest {
    private EdgeFixture fx;

    @BeforeEach
    void start() throws Exception {
        fx = new EdgeFixture(MqttSettings.plain(0).withAbuseThreshold(1000));
    }

    @AfterEach
    void stop() throws Exception {
        fx.close();
    }

    @Test
    void aFullTenantRefusesANewRetainedTopicWithQuotaExceeded() throws Exception {
        Mqtt5BlockingClient dev = Clients.connectV5("dev1", fx.port(), token("dev1", "t", 60));
        assertThat(dev.publishWith().topic("d/dev1/up/state").qos(MqttQos.AT_LEAST_ONCE).retain(true)
                .payload(bytes("on")).send().getError()).isEmpty();
        for (int i = 0; fx.router.retainedCount("t") < 1000; i++) { // the fixture router's tenant cap: 1000
            fx.router.publish("t", "d/other" + i + "/up/state", bytes("x"), 0, true, null, "filler");
        }
        Mqtt5BlockingClient app = Clients.connectV5("app", fx.port(),
                "app|t|60|sub:d/dev1/up/# pub:d/dev1/down/#");
        try (var in = app.publishes(MqttGlobalPublishFilter.ALL)) {
            app.subscribeWith().topicFilter("d/dev1/up/new").qos(MqttQos.AT_LEAST_ONCE).send();

            assertThat(pubackCode(dev, "d/dev1/up/new", "n1")).isEqualTo(Mqtt5PubAckReasonCode.QUOTA_EXCEEDED);
            assertThat(pubrecCode(dev, "d/dev1/up/new", "n2")).isEqualTo(Mqtt5PubRecReasonCode.QUOTA_EXCEEDED);
            assertThat(in.receive(300, TimeUnit.MILLISECONDS)).as("a refused publish is not delivered").isEmpty();
            assertThat(fx.router.retainedCount("t")).isEqualTo(1000);

            // the topic it already holds: replaced, then deleted, though the tenant is full
            assertThat(pubackCode(dev, "d/dev1/up/state", "off")).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
            assertThat(pubackCode(dev, "d/dev1/up/state", "")).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
            assertThat(fx.router.retainedCount("t")).isEqualTo(999);
            assertThat(pubackCode(dev, "d/dev1/up/new", "n3")).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
            assertThat(text(in.receive(5, TimeUnit.SECONDS).orElseThrow().getPayloadAsBytes())).isEqualTo("n3");
        }
        assertThat(fx.counter("edgeauth.mqtt.drops", "reason", "retained_limit")).isEqualTo(2);
        app.disconnect();
        dev.disconnect();
    }

    private static Mqtt5PubAckReasonCode pubackCode(Mqtt5BlockingClient c, String topic, String payload) {
        try {
            Mqtt5PublishResult r = c.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(true)
                    .payload(bytes(payload)).send();
            return ((Mqtt5PublishResult.Mqtt5Qos1Result) r).getPubAck().getReasonCode();
        } catch (Mqtt5PubAckException e) {
            return e.getMqttMessage().getReasonCode();
        }
    }

    private static Mqtt5PubRecReasonCode pubrecCode(Mqtt5BlockingClient c, String topic, String payload) {
        try {
            Mqtt5PublishResult r = c.publishWith().topic(topic).qos(MqttQos.EXACTLY_ONCE).retain(true)
                    .payload(bytes(payload)).send();
            return ((Mqtt5PublishResult.Mqtt5Qos2Result) r).getPubRec().getReasonCode();
        } catch (Mqtt5PubRecException e) {
            return e.getMqttMessage().getReasonCode();
        }
    }
}
