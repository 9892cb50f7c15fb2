package io.edgeauth.broker.mqtt;

import static io.edgeauth.broker.mqtt.Clients.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Tour H, H7: an MQTT 5 PUBLISH whose topic name the edge refuses (0x90) spends the plan like any refused message, so
 * a client that repeats it is held to its plan and disconnected (0x96) as an over-rate sender is; before, it was
 * neither charged nor counted. H5: a message larger than the plan's {@code bytesPerSecond} is refused with 0x97 and
 * the reason {@code message_too_large} (audited), not as over the rate.
 */
class MqttRefusalsChargedTest {

    @Test
    void aClientRepeatingAnInvalidTopicIsDisconnectedLikeAnOverRateOne() throws Exception {
        try (EdgeFixture fx = new EdgeFixture(MqttSettings.plain(0).withAbuseThreshold(20))) {
            AtomicReference<Throwable> cause = new AtomicReference<>();
            Mqtt5BlockingClient dev = Clients.v5("dev1", fx.port())
                    .addDisconnectedListener(ctx -> cause.compareAndSet(null, ctx.getCause())).buildBlocking();
            dev.connectWith().simpleAuth().username("dev1").password(bytes("dev1|t|60||slow")).applySimpleAuth().send();
            String tooDeep = "d/dev1/up" + "/x".repeat(20); // 23 levels, more than the edge's 16
            int invalid = 0;
            for (int i = 0; i < 200 && cause.get() == null; i++) {
                try {
                    dev.publishWith().topic(tooDeep).qos(MqttQos.AT_LEAST_ONCE).payload(bytes("x")).send();
                } catch (Mqtt5PubAckException refused) {
                    if (refused.getMqttMessage().getReasonCode() == Mqtt5PubAckReasonCode.TOPIC_NAME_INVALID) {
                        invalid++;
                    }
                } catch (RuntimeException disconnected) {
                    break;
                }
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> cause.get() != null);
            assertThat(cause.get()).isInstanceOfSatisfying(Mqtt5DisconnectException.class, e -> assertThat(
                    e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5DisconnectReasonCode.MESSAGE_RATE_TOO_HIGH));
            assertThat(invalid).as("the plan's burst of 3, then over the rate").isEqualTo(3);
        }
    }

    @Test
    void aMessageLargerThanThePlanAdmitsIsRefusedAsTooLarge() throws Exception {
        try (EdgeFixture fx = new EdgeFixture(MqttSettings.plain(0))) {
            Mqtt5BlockingClient dev = Clients.v5("dev1", fx.port()).buildBlocking();
            dev.connectWith().simpleAuth().username("dev1").password(bytes("dev1|t|60||bytes")).applySimpleAuth().send();
            Mqtt5PubAck ack = null;
            try {
                dev.publishWith().topic("d/dev1/up/t").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[1200]).send();
            } catch (Mqtt5PubAckException refused) {
                ack = refused.getMqttMessage();
            }
            assertThat(ack).isNotNull();
            assertThat(ack.getReasonCode()).isEqualTo(Mqtt5PubAckReasonCode.QUOTA_EXCEEDED);
            assertThat(fx.audit).anySatisfy(e -> {
                assertThat(e.event()).isEqualTo("mqtt.publish.refused");
                assertThat(e.outcome()).isEqualTo("message_too_large");
            });
            assertThat(fx.counter("edgeauth.mqtt.drops", "reason", "message_too_large")).isEqualTo(1.0);
            dev.publishWith().topic("d/dev1/up/t").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[900]).send(); // fits
            dev.disconnect();
        }
    }

    /**
     * Tour AH, P1: the journal and the node records write strings in Java's modified UTF-8, at most 65,535 bytes, where a
     * character outside the BMP takes 6 bytes (4 in MQTT's UTF-8). A user property or Content Type of 10,923 such
     * characters is valid MQTT, was acknowledged, and could not be journaled (lost at a restart) nor sent to another
     * node. It is refused as too large now, before it is acknowledged; one that fits passes.
     */
    @Test
    void aUserPropertyTheBrokerCannotStoreIsRefusedAsTooLarge() throws Exception {
        try (EdgeFixture fx = new EdgeFixture(MqttSettings.plain(0))) {
            Mqtt5BlockingClient dev = Clients.v5("dev1", fx.port()).buildBlocking();
            dev.connectWith().simpleAuth().username("dev1").password(bytes("dev1|t|60||")).applySimpleAuth().send();
            String emoji = new String(Character.toChars(0x1F600));
            Mqtt5PubAck ack = null;
            try {
                dev.publishWith().topic("d/dev1/up/t").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("x"))
                        .userProperties().add("note", emoji.repeat(10_923)).applyUserProperties().send();
            } catch (Mqtt5PubAckException refused) {
                ack = refused.getMqttMessage();
            }
            assertThat(ack).as("acknowledged, though it could not be stored").isNotNull();
            assertThat(ack.getReasonCode()).isEqualTo(Mqtt5PubAckReasonCode.QUOTA_EXCEEDED);
            assertThat(fx.audit).anySatisfy(e -> assertThat(e.outcome()).isEqualTo("message_too_large"));
            try {
                dev.publishWith().topic("d/dev1/up/t").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("x")).contentType(
                        emoji.repeat(10_923)).send();
                ack = null;
            } catch (Mqtt5PubAckException refused) {
                ack = refused.getMqttMessage();
            }
            assertThat(ack).as("a Content Type alike").isNotNull();
            dev.publishWith().topic("d/dev1/up/t").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("x"))
                    .userProperties().add("note", emoji.repeat(10_922)).applyUserProperties().send(); // fits
            dev.disconnect();
        }
    }
}
