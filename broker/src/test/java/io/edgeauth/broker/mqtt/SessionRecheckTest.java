package io.edgeauth.broker.mqtt;

import static io.edgeauth.broker.mqtt.Clients.bytes;
import static io.edgeauth.broker.mqtt.TestPipeline.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.policy.rate.LocalRateLimits;
import io.edgeauth.broker.router.TopicRouter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What a live session may do after its token changed: a renewal prunes subscriptions the new token no longer
 * allows (issue 10 hole 3), a renewal or a second connection keeps the device's one rate budget (hole 6), and an
 * edge without a location policy does not start (hole 10). Through the HiveMQ client.
 */
class SessionRecheckTest {

    @Test
    void mqtt5ReauthenticationDropsSubscriptionsTheNewTokenForbids() throws Exception {
        try (EdgeFixture fx = new EdgeFixture(MqttSettings.plain(0))) {
            var auth = new MqttConnectTest.TokenAuth(MqttEdge.AUTH_METHOD, "dev1|t|60|sub:fleet/#",
                    token("dev1", "t", 60));
            Mqtt5BlockingClient dev = Clients.v5("dev1", fx.port()).buildBlocking();
            dev.connectWith().enhancedAuth(auth).send();
            Mqtt5BlockingClient feed = Clients.connectV5("feed", fx.port(), "feed|t|60|pub:fleet/#");
            try (var in = dev.publishes(MqttGlobalPublishFilter.ALL)) {
                dev.subscribeWith().topicFilter("fleet/#").qos(MqttQos.AT_LEAST_ONCE).send();
                feed.publishWith().topic("fleet/a").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("before")).send();
                assertThat(in.receive(5, TimeUnit.SECONDS)).isPresent();
                dev.reauth(); // the new token grants no fleet/#
                feed.publishWith().topic("fleet/a").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("after")).send();
                assertThat(in.receive(1, TimeUnit.SECONDS)).as("delivered after renewal").isEmpty();
            }
            dev.disconnect();
            feed.disconnect();
        }
    }

    @Test
    void mqtt311RenewTopicDropsSubscriptionsTheNewTokenForbids() throws Exception {
        try (EdgeFixture fx = new EdgeFixture(MqttSettings.plain(0))) {
            Mqtt3BlockingClient dev = Clients.connectV3("dev1", fx.port(), "dev1|t|60|sub:fleet/#");
            Mqtt5BlockingClient feed = Clients.connectV5("feed", fx.port(), "feed|t|60|pub:fleet/#");
            try (var in = dev.publishes(MqttGlobalPublishFilter.ALL)) {
                dev.subscribeWith().topicFilter("fleet/#").qos(MqttQos.AT_LEAST_ONCE).send();
                feed.publishWith().topic("fleet/a").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("before")).send();
                assertThat(in.receive(5, TimeUnit.SECONDS)).isPresent();
                dev.publishWith().topic(MqttEdge.RENEW_TOPIC).qos(MqttQos.AT_LEAST_ONCE)
                        .payload(bytes(token("dev1", "t", 60))).send();
                feed.publishWith().topic("fleet/a").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("after")).send();
                assertThat(in.receive(1, TimeUnit.SECONDS)).as("delivered after renewal").isEmpty();
            }
            dev.disconnect();
            feed.disconnect();
        }
    }

    @Test
    void renewalAfterTheIdleExpiryKeepsTheSpentBudget() throws Exception {
        LocalRateLimits.Settings rates = new LocalRateLimits.Settings(1000, 1000, 0, 1000, Duration.ofMillis(300));
        try (EdgeFixture fx = new EdgeFixture(MqttSettings.plain(0), rates)) {
            var auth = new MqttConnectTest.TokenAuth(MqttEdge.AUTH_METHOD, "dev1|t|60||slow", "dev1|t|60||slow");
            Mqtt5BlockingClient dev = Clients.v5("dev1", fx.port()).buildBlocking();
            dev.connectWith().enhancedAuth(auth).send();
            for (int i = 0; i < 3; i++) {
                assertThat(pubackCode(dev)).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
            }
            assertThat(pubackCode(dev)).isEqualTo(Mqtt5PubAckReasonCode.QUOTA_EXCEEDED);
            await().pollDelay(Duration.ofMillis(800)).until(() -> true); // longer than the idle expiry
            dev.reauth();
            assertThat(pubackCode(dev)).as("after renewal").isEqualTo(Mqtt5PubAckReasonCode.QUOTA_EXCEEDED);
            dev.disconnect(); // and the device comes back on a new connection
            Mqtt5BlockingClient second = Clients.connectV5("dev1", fx.port(), "dev1|t|60||slow");
            assertThat(pubackCode(second)).as("second connection").isEqualTo(Mqtt5PubAckReasonCode.QUOTA_EXCEEDED);
            second.disconnect();
        }
    }

    @Test
    void anEdgeWithoutALocationPolicyDoesNotStart() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            TestRevocations revocations = new TestRevocations();
            MqttEdge edge = new MqttEdge(vertx, MqttSettings.plain(0), new TestPipeline(), revocations, revocations,
                    new LocalRateLimits(LocalRateLimits.Settings.defaults()), name -> null,
                    new TopicRouter(100, r -> { }), AuditLog.NOOP, new SimpleMeterRegistry());
            assertThatThrownBy(() -> edge.start().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS))
                    .hasMessageContaining("geo");
            edge.stop();
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static Mqtt5PubAckReasonCode pubackCode(Mqtt5BlockingClient dev) {
        try {
            return ((Mqtt5PublishResult.Mqtt5Qos1Result) dev.publishWith().topic("d/dev1/up/t")
                    .qos(MqttQos.AT_LEAST_ONCE).payload(bytes("x")).send()).getPubAck().getReasonCode();
        } catch (Mqtt5PubAckException e) {
            return e.getMqttMessage().getReasonCode();
        }
    }
}
