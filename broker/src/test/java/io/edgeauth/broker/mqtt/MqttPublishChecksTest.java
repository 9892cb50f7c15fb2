package io.edgeauth.broker.mqtt;

import static io.edgeauth.broker.mqtt.Clients.bytes;
import static io.edgeauth.broker.mqtt.Clients.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.edgeauth.broker.policy.PublishGate;
import io.edgeauth.broker.refusal.RejectionReason;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A will passes every check a PUBLISH on its topic would; a message carries at most one location, named exactly
 * {@code geo}; the bytes-per-second budget is charged with the message as forwarded, properties included.
 */
class MqttPublishChecksTest {
    private static final String TOPIC = "d/dev1/up/status";
    private EdgeFixture fx;

    @BeforeEach
    void start() throws Exception {
        fx = new EdgeFixture(MqttSettings.plain(0).withAbuseThreshold(1000));
    }

    @AfterEach
    void stop() throws Exception {
        fx.close();
    }

    /** The owner app, subscribed to everything dev1 reports. */
    private Mqtt5BlockingClient.Mqtt5Publishes watchingDev1() {
        Mqtt5BlockingClient app = Clients.connectV5("app", fx.port(), "app|t|60|sub:d/dev1/up/#");
        Mqtt5BlockingClient.Mqtt5Publishes in = app.publishes(MqttGlobalPublishFilter.ALL);
        app.subscribeWith().topicFilter("d/dev1/up/#").qos(MqttQos.AT_LEAST_ONCE).send();
        return in;
    }

    private static Mqtt5PubAckReasonCode publish(Mqtt5BlockingClient dev, byte[] payload, Mqtt5UserProperties props) {
        try {
            return ((Mqtt5PublishResult.Mqtt5Qos1Result) dev.publishWith().topic(TOPIC).qos(MqttQos.AT_LEAST_ONCE)
                    .payload(payload).userProperties(props).send()).getPubAck().getReasonCode();
        } catch (Mqtt5PubAckException e) {
            return e.getMqttMessage().getReasonCode();
        }
    }

    /** dev1 connects with {@code token} and a will, then leaves with it (DISCONNECT 0x04). */
    private void leaveWithWill(String token, byte[] payload, boolean retain, Mqtt5UserProperties props) {
        Mqtt5BlockingClient dev = Clients.v5("dev1", fx.port()).buildBlocking();
        dev.connectWith().simpleAuth().username("dev1").password(bytes(token)).applySimpleAuth()
                .willPublish().topic(TOPIC).payload(payload).qos(MqttQos.AT_LEAST_ONCE).retain(retain)
                .userProperties(props).applyWillPublish().send();
        dev.disconnectWith().reasonCode(Mqtt5DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE).send();
    }

    private static Mqtt5UserProperties props(String... nameValue) {
        var b = Mqtt5UserProperties.builder();
        for (int i = 0; i < nameValue.length; i += 2) {
            b.add(nameValue[i], nameValue[i + 1]);
        }
        return b.build();
    }

    private void awaitDrop(String reason) {
        Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> fx.counter("edgeauth.mqtt.drops", "reason", reason) >= 1);
    }

    @Test
    void aWillReportingALocationOutsideTheTokensCellsIsDroppedAndAudited() throws Exception {
        String token = "dev1|t|60||||u33d";
        try (var in = watchingDev1()) {
            Mqtt5BlockingClient dev = Clients.connectV5("dev1", fx.port(), token);
            assertThat(publish(dev, bytes("x"), props("geo", "9q8yyk"))).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
            dev.disconnect();
            leaveWithWill(token, bytes("gone"), false, props("geo", "9q8yyk"));
            awaitDrop("will_refused");
            assertThat(in.receive(500, TimeUnit.MILLISECONDS)).as("the will with a bad location").isEmpty();
            assertThat(fx.audit).anyMatch(e -> e.event().equals("mqtt.will.refused")
                    && e.outcome().equals(RejectionReason.LOCATION_OUTSIDE_CELLS.code()));
            leaveWithWill(token, bytes("gone"), false, props("geo", "u33dc1"));
            assertThat(text(in.receive(5, TimeUnit.SECONDS).orElseThrow().getPayloadAsBytes())).isEqualTo("gone");
        }
    }

    @Test
    void anUnsignedRetainedWillIsNeitherDeliveredNorRetainedWhereTheTenantRequiresSignatures() throws Exception {
        fx.edge.payloadCheck((tenant, device, payload, signature) -> signature == null
                ? new PublishGate.Refusal(RejectionReason.FORBIDDEN, "unsigned") : null);
        String token = TestPipeline.token("dev1", "t", 60);
        try (var in = watchingDev1()) {
            Mqtt5BlockingClient dev = Clients.connectV5("dev1", fx.port(), token);
            assertThat(publish(dev, bytes("x"), props())).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
            dev.disconnect();
            leaveWithWill(token, bytes("unsigned"), true, props());
            awaitDrop("will_refused");
            assertThat(in.receive(500, TimeUnit.MILLISECONDS)).as("the unsigned will").isEmpty();
        }
        Mqtt5BlockingClient late = Clients.connectV5("app2", fx.port(), "app2|t|60|sub:d/dev1/up/#");
        try (var in = late.publishes(MqttGlobalPublishFilter.ALL)) {
            late.subscribeWith().topicFilter("d/dev1/up/#").qos(MqttQos.AT_LEAST_ONCE).send();
            assertThat(in.receive(500, TimeUnit.MILLISECONDS)).as("kept as retained").isEmpty();
        }
    }

    @Test
    void aSecondLocationPropertyIsRefusedAndNothingIsForwarded() throws Exception {
        try (var in = watchingDev1()) {
            Mqtt5BlockingClient dev = Clients.connectV5("dev1", fx.port(), "dev1|t|60||||u33d");
            assertThat(publish(dev, bytes("two"), props("geo", "u33d", "geo", "9q8yyk")))
                    .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
            assertThat(publish(dev, bytes("same"), props("geo", "u33d", "geo", "u33d")))
                    .as("two locations, even equal").isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
            assertThat(in.receive(500, TimeUnit.MILLISECONDS)).isEmpty();
            assertThat(fx.audit).anyMatch(e -> e.event().equals("mqtt.publish.refused")
                    && e.outcome().equals(RejectionReason.LOCATION_OUTSIDE_CELLS.code()));
            assertThat(publish(dev, bytes("one"), props("geo", "u33dc1"))).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
            Optional<Mqtt5Publish> got = in.receive(5, TimeUnit.SECONDS);
            assertThat(got.orElseThrow().getUserProperties().asList()).hasSize(1);
        }
    }

    /** Y8: GeoHash is case-insensitive; subscribers get the location in lower case, as the broker writes cells. */
    @Test
    void aLocationInUpperCaseIsForwardedInLowerCase() throws Exception {
        try (var in = watchingDev1()) {
            Mqtt5BlockingClient dev = Clients.connectV5("dev1", fx.port(), "dev1|t|60||||u33d");
            assertThat(publish(dev, bytes("x"), props("geo", "U33DC1"))).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
            Mqtt5Publish got = in.receive(5, TimeUnit.SECONDS).orElseThrow();
            assertThat(got.getUserProperties().asList()).singleElement()
                    .satisfies(p -> assertThat(p.getValue().toString()).isEqualTo("u33dc1"));
        }
    }

    @Test
    void aLocationPropertyNamedGeoInAnotherCaseIsRefused() throws Exception {
        try (var in = watchingDev1()) {
            Mqtt5BlockingClient dev = Clients.connectV5("dev1", fx.port(), "dev1|t|60||||u33d");
            assertThat(publish(dev, bytes("x"), props("GEO", "9q8yyk"))).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
            assertThat(publish(dev, bytes("x"), props("Geo", "u33d"))).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
            assertThat(in.receive(500, TimeUnit.MILLISECONDS)).isEmpty();
        }
    }

    @Test
    void aWillWithTwoLocationsIsDropped() throws Exception {
        String token = "dev1|t|60||||u33d";
        try (var in = watchingDev1()) {
            leaveWithWill(token, bytes("gone"), false, props("geo", "u33d", "geo", "9q8yyk"));
            awaitDrop("will_refused");
            assertThat(in.receive(500, TimeUnit.MILLISECONDS)).isEmpty();
        }
    }

    @Test
    void theByteBudgetCountsUserPropertiesAndTopicNotOnlyThePayload() throws Exception {
        // plan "bytes": 1000 B/s; a 1-byte payload carrying 2000 bytes of user properties is a 2 KB message
        String big = "v".repeat(2000);
        try (var in = watchingDev1()) {
            Mqtt5BlockingClient dev = Clients.connectV5("dev1", fx.port(), "dev1|t|60||bytes");
            assertThat(publish(dev, bytes("x"), props("pad", big))).isEqualTo(Mqtt5PubAckReasonCode.QUOTA_EXCEEDED);
            assertThat(in.receive(500, TimeUnit.MILLISECONDS)).isEmpty();
            assertThat(publish(dev, bytes("x"), props("pad", "v".repeat(100)))).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
            assertThat(in.receive(5, TimeUnit.SECONDS)).isPresent();
            dev.disconnect();
            leaveWithWill("dev1|t|60||bytes", bytes("x"), false, props("pad", big));
            // more than the plan's 1000 bytes at once: refused as too large, not as over the rate (tour H, H5)
            awaitDrop("will_refused");
            assertThat(fx.audit).anySatisfy(e -> assertThat(e.outcome()).isEqualTo("message_too_large"));
            assertThat(in.receive(500, TimeUnit.MILLISECONDS)).as("the oversized will").isEmpty();
        }
    }
}
