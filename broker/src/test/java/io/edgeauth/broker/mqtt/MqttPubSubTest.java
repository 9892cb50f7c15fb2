package io.edgeauth.broker.mqtt;

import static io.edgeauth.broker.mqtt.Clients.bytes;
import static io.edgeauth.broker.mqtt.Clients.text;
import static io.edgeauth.broker.mqtt.TestPipeline.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MqttPubSubTest {
    private EdgeFixture fx;

    @BeforeEach
    void start() throws Exception {
        fx = new EdgeFixture(MqttSettings.plain(0).withAbuseThreshold(1000));
    }

    @AfterEach
    void stop() throws Exception {
        fx.close();
    }

    /** An owner-like app: a device token whose scope lets it read a device's uplink and write its downlink. */
    private String app(String tenant, String device, double exp) {
        return "app|" + tenant + "|" + exp + "|sub:d/" + device + "/up/# pub:d/" + device + "/down/#";
    }

    private static Optional<Mqtt5Publish> receive(Mqtt5BlockingClient.Mqtt5Publishes p) throws InterruptedException {
        return p.receive(5, TimeUnit.SECONDS);
    }

    private static Mqtt5PubAckReasonCode pubackCode(java.util.function.Supplier<Mqtt5PublishResult> send) {
        try {
            return ((Mqtt5PublishResult.Mqtt5Qos1Result) send.get()).getPubAck().getReasonCode();
        } catch (Mqtt5PubAckException e) {
            return e.getMqttMessage().getReasonCode();
        }
    }

    /** Tour O, F7: ACL denials were counted only, while CoAP audits the same denial ({@code forbidden}, principal, topic). */
    @Test
    void aclDenialsAreAuditedWithThePrincipalAndTheTopic() throws Exception {
        Mqtt5BlockingClient dev = Clients.connectV5("dev1", fx.port(), token("dev1", "t", 60));
        assertThat(pubackCode(() -> dev.publishWith().topic("d/dev2/up/temp").qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("x")).send())).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
        assertThatThrownBy(() -> dev.subscribeWith().topicFilter("d/dev2/down/#").send())
                .isInstanceOf(Mqtt5SubAckException.class);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(fx.audit).anySatisfy(e -> {
                assertThat(e.event()).isEqualTo("mqtt.publish.refused");
                assertThat(e.outcome()).isEqualTo("forbidden");
                assertThat(java.util.Map.<String, Object>copyOf(e.fields())).containsEntry("principal", "dev1")
                        .containsEntry("tenant", "t").containsEntry("detail", "may not publish to d/dev2/up/temp")
                        .containsKey("remote");
            });
            assertThat(fx.audit).anySatisfy(e -> {
                assertThat(e.event()).isEqualTo("mqtt.subscribe.refused");
                assertThat(e.outcome()).isEqualTo("forbidden");
                assertThat(java.util.Map.<String, Object>copyOf(e.fields())).containsEntry("principal", "dev1")
                        .containsEntry("detail", "may not subscribe to d/dev2/down/#").containsKey("remote");
            });
        });
        dev.disconnect();
    }

    @Test
    void aclAllowsOwnTopicsAndRefusesOthersBothWays() throws Exception {
        Mqtt5BlockingClient app = Clients.connectV5("app", fx.port(), app("t", "dev1", 60));
        Mqtt5BlockingClient dev = Clients.connectV5("dev1", fx.port(), token("dev1", "t", 60));
        try (var appIn = app.publishes(MqttGlobalPublishFilter.ALL); var devIn = dev.publishes(MqttGlobalPublishFilter.ALL)) {
            assertThat(app.subscribeWith().topicFilter("d/dev1/up/#").qos(MqttQos.AT_LEAST_ONCE).send()
                    .getReasonCodes()).containsExactly(Mqtt5SubAckReasonCode.GRANTED_QOS_1);
            assertThat(dev.subscribeWith().topicFilter("d/dev1/down/#").qos(MqttQos.EXACTLY_ONCE).send()
                    .getReasonCodes()).containsExactly(Mqtt5SubAckReasonCode.GRANTED_QOS_1); // capped at 1
            // allowed both ways
            assertThat(pubackCode(() -> dev.publishWith().topic("d/dev1/up/temp").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("21.5")).send())).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
            assertThat(text(receive(appIn).orElseThrow().getPayloadAsBytes())).isEqualTo("21.5");
            app.publishWith().topic("d/dev1/down/cmd").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("reboot")).send();
            assertThat(text(receive(devIn).orElseThrow().getPayloadAsBytes())).isEqualTo("reboot");
            // refused both ways
            assertThat(pubackCode(() -> dev.publishWith().topic("d/dev2/up/temp").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("x")).send())).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
            assertThat(pubackCode(() -> dev.publishWith().topic("d/dev1/down/cmd").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("x")).send())).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
            dev.publishWith().topic("d/dev2/up/temp").qos(MqttQos.AT_MOST_ONCE).payload(bytes("q0")).send(); // dropped
            assertThatThrownBy(() -> dev.subscribeWith().topicFilter("d/dev2/down/#").send())
                    .isInstanceOfSatisfying(Mqtt5SubAckException.class, e -> assertThat(e.getMqttMessage().getReasonCodes())
                            .containsExactly(Mqtt5SubAckReasonCode.NOT_AUTHORIZED));
            assertThatThrownBy(() -> app.subscribeWith().topicFilter("#").send())
                    .isInstanceOfSatisfying(Mqtt5SubAckException.class, e -> assertThat(e.getMqttMessage().getReasonCodes())
                            .containsExactly(Mqtt5SubAckReasonCode.NOT_AUTHORIZED));
            assertThatThrownBy(() -> dev.subscribeWith().topicFilter("d/dev1/down/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q").send())
                    .isInstanceOfSatisfying(Mqtt5SubAckException.class, e -> assertThat(e.getMqttMessage().getReasonCodes())
                            .containsExactly(Mqtt5SubAckReasonCode.TOPIC_FILTER_INVALID));
            assertThat(appIn.receive(200, TimeUnit.MILLISECONDS)).isEmpty();
        }
        assertThat(fx.counter("edgeauth.mqtt.drops", "reason", "not_authorized")).isEqualTo(3);
        app.disconnect();
        dev.disconnect();
    }

    @Test
    void tenantsNeverMeet() throws Exception {
        Mqtt5BlockingClient appA = Clients.connectV5("app", fx.port(), app("tenantA", "x", 60));
        Mqtt5BlockingClient appB = Clients.connectV5("app", fx.port(), app("tenantB", "x", 60)); // same id, other tenant
        Mqtt5BlockingClient devA = Clients.connectV5("x", fx.port(), token("x", "tenantA", 60));
        try (var inA = appA.publishes(MqttGlobalPublishFilter.ALL); var inB = appB.publishes(MqttGlobalPublishFilter.ALL)) {
            appA.subscribeWith().topicFilter("d/x/up").qos(MqttQos.AT_LEAST_ONCE).send();
            appB.subscribeWith().topicFilter("d/x/up").qos(MqttQos.AT_LEAST_ONCE).send();
            devA.publishWith().topic("d/x/up").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("from A")).send();
            assertThat(text(receive(inA).orElseThrow().getPayloadAsBytes())).isEqualTo("from A");
            assertThat(inB.receive(300, TimeUnit.MILLISECONDS)).isEmpty();
        }
        assertThat(appA.getState().isConnected()).isTrue(); // same client id in another tenant: no takeover
    }

    @Test
    void retainedMessagesReachLaterSubscribers() throws Exception {
        Mqtt5BlockingClient dev = Clients.connectV5("dev1", fx.port(), token("dev1", "t", 60));
        dev.publishWith().topic("d/dev1/up/state").qos(MqttQos.AT_LEAST_ONCE).retain(true).payload(bytes("on")).send();
        Mqtt5BlockingClient app = Clients.connectV5("app", fx.port(), app("t", "dev1", 60));
        try (var in = app.publishes(MqttGlobalPublishFilter.ALL)) {
            app.subscribeWith().topicFilter("d/dev1/up/#").qos(MqttQos.AT_LEAST_ONCE).send();
            Mqtt5Publish p = receive(in).orElseThrow();
            assertThat(p.isRetain()).isTrue();
            assertThat(text(p.getPayloadAsBytes())).isEqualTo("on");
        }
    }

    /**
     * MQTT 5 §3.8.3.1 Retain Handling: 1 sends the retained messages only for a subscription that did not exist, 2 never.
     * Before, both got them on every SUBSCRIBE.
     */
    @Test
    void retainHandlingDecidesWhetherASubscribeGetsTheRetainedMessages() throws Exception {
        Mqtt5BlockingClient dev = Clients.connectV5("dev1", fx.port(), token("dev1", "t", 60));
        dev.publishWith().topic("d/dev1/up/state").qos(MqttQos.AT_LEAST_ONCE).retain(true).payload(bytes("on")).send();
        Mqtt5BlockingClient app = Clients.connectV5("app", fx.port(), app("t", "dev1", 60));
        try (var in = app.publishes(MqttGlobalPublishFilter.ALL)) {
            app.subscribeWith().topicFilter("d/dev1/up/#").qos(MqttQos.AT_LEAST_ONCE)
                    .retainHandling(com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5RetainHandling.DO_NOT_SEND).send();
            assertThat(in.receive(500, TimeUnit.MILLISECONDS)).as("retain handling 2: none").isEmpty();
            app.unsubscribeWith().topicFilter("d/dev1/up/#").send();
            var ifNew = com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5RetainHandling.SEND_IF_SUBSCRIPTION_DOES_NOT_EXIST;
            app.subscribeWith().topicFilter("d/dev1/up/#").qos(MqttQos.AT_LEAST_ONCE).retainHandling(ifNew).send();
            assertThat(receive(in)).as("retain handling 1, a new subscription: sent").isPresent();
            app.subscribeWith().topicFilter("d/dev1/up/#").qos(MqttQos.AT_LEAST_ONCE).retainHandling(ifNew).send();
            assertThat(in.receive(500, TimeUnit.MILLISECONDS)).as("retain handling 1, it exists: none").isEmpty();
            app.subscribeWith().topicFilter("d/dev1/up/#").qos(MqttQos.AT_LEAST_ONCE).send();
            assertThat(receive(in)).as("retain handling 0: sent again").isPresent();
        }
    }

    @Test
    void persistentSessionQueuesWhileAwayAndCleanSessionDoesNot() throws Exception {
        Mqtt5BlockingClient dev = Clients.v5("dev1", fx.port()).buildBlocking();
        dev.connectWith().cleanStart(true).sessionExpiryInterval(300).simpleAuth().username("dev1")
                .password(bytes(token("dev1", "t", 60))).applySimpleAuth().send();
        dev.subscribeWith().topicFilter("d/dev1/down/#").qos(MqttQos.AT_LEAST_ONCE).send();
        dev.disconnect();
        await().untilAsserted(() -> assertThat(fx.edge.liveSessions()).isZero());
        Mqtt5BlockingClient app = Clients.connectV5("app", fx.port(), app("t", "dev1", 60));
        app.publishWith().topic("d/dev1/down/cmd").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("while away")).send();
        app.publishWith().topic("d/dev1/down/cmd").qos(MqttQos.AT_MOST_ONCE).payload(bytes("qos0 lost")).send();
        Mqtt5BlockingClient again = Clients.v5("dev1", fx.port()).buildBlocking();
        try (var in = again.publishes(MqttGlobalPublishFilter.ALL)) {
            var ack = again.connectWith().cleanStart(false).sessionExpiryInterval(300).simpleAuth().username("dev1")
                    .password(bytes(token("dev1", "t", 60))).applySimpleAuth().send();
            assertThat(ack.isSessionPresent()).isTrue();
            assertThat(text(receive(in).orElseThrow().getPayloadAsBytes())).isEqualTo("while away");
            assertThat(in.receive(200, TimeUnit.MILLISECONDS)).isEmpty();
        }
        again.disconnect();
        Mqtt5BlockingClient clean = Clients.v5("dev1", fx.port()).buildBlocking();
        assertThat(clean.connectWith().cleanStart(true).simpleAuth().username("dev1").password(bytes(token("dev1", "t", 60)))
                .applySimpleAuth().send().isSessionPresent()).isFalse();
        clean.disconnect();
    }

    @Test
    void v3PersistentSessionAndRenewTopic() throws Exception {
        Mqtt3BlockingClient dev = com.hivemq.client.mqtt.MqttClient.builder().useMqttVersion3().identifier("dev1")
                .serverHost("127.0.0.1").serverPort(fx.port()).buildBlocking();
        dev.connectWith().cleanSession(false).simpleAuth().username("dev1").password(bytes(token("dev1", "t", 2.5)))
                .applySimpleAuth().send();
        dev.publishWith().topic(MqttEdge.RENEW_TOPIC).qos(MqttQos.AT_LEAST_ONCE).payload(bytes(token("dev1", "t", 60))).send();
        assertThat(fx.audit).anySatisfy(e -> assertThat(e.event()).isEqualTo("mqtt.session.renewed"));
        await().pollDelay(Duration.ofMillis(3000)).atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(dev.getState().isConnected()).isTrue()); // outlived the first token
        dev.disconnect();
    }

    @Test
    void expiredTokenClosesTheSessionWithMaximumConnectTime() {
        AtomicReference<Throwable> cause = new AtomicReference<>();
        Mqtt5BlockingClient dev = Clients.v5("dev1", fx.port())
                .addDisconnectedListener(ctx -> cause.set(ctx.getCause())).buildBlocking();
        dev.connectWith().simpleAuth().username("dev1").password(bytes(token("dev1", "t", 1))).applySimpleAuth().send();
        await().atMost(Duration.ofSeconds(5)).until(() -> cause.get() != null);
        assertThat(cause.get()).isInstanceOfSatisfying(Mqtt5DisconnectException.class, e -> assertThat(
                e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5DisconnectReasonCode.MAXIMUM_CONNECT_TIME));
        assertThat(fx.audit).anySatisfy(e -> assertThat(e.outcome()).isEqualTo("expired"));
    }

    @Test
    void reauthenticationExtendsTheSession() {
        var auth = new MqttConnectTest.TokenAuth(MqttEdge.AUTH_METHOD, token("dev1", "t", 2.5), token("dev1", "t", 60));
        Mqtt5BlockingClient dev = Clients.v5("dev1", fx.port()).buildBlocking();
        dev.connectWith().enhancedAuth(auth).send();
        dev.reauth();
        await().pollDelay(Duration.ofMillis(3000)).atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(dev.getState().isConnected()).isTrue());
        assertThat(fx.edge.liveSessions()).isEqualTo(1);
        dev.disconnect();
    }

    @Test
    void reauthenticationAsSomeoneElseIsRefused() {
        AtomicReference<Throwable> cause = new AtomicReference<>();
        var auth = new MqttConnectTest.TokenAuth(MqttEdge.AUTH_METHOD, token("dev1", "t", 60), token("dev2", "t", 60));
        Mqtt5BlockingClient dev = Clients.v5("dev1", fx.port())
                .addDisconnectedListener(ctx -> cause.set(ctx.getCause())).buildBlocking();
        dev.connectWith().enhancedAuth(auth).send();
        assertThatThrownBy(dev::reauth);
        await().until(() -> cause.get() != null);
        await().untilAsserted(() -> assertThat(fx.edge.liveSessions()).isZero());
    }

    @Test
    void revocationDisconnectsWithinOneSecond() {
        AtomicReference<Throwable> cause = new AtomicReference<>();
        Mqtt5BlockingClient dev = Clients.v5("dev1", fx.port())
                .addDisconnectedListener(ctx -> cause.set(ctx.getCause())).buildBlocking();
        dev.connectWith().simpleAuth().username("dev1").password(bytes(token("dev1", "t", 60))).applySimpleAuth().send();
        Mqtt5BlockingClient other = Clients.connectV5("dev2", fx.port(), token("dev2", "t", 60));
        fx.revocations.revokeSubject("dev1");
        await().atMost(Duration.ofSeconds(1)).until(() -> cause.get() != null);
        assertThat(cause.get()).isInstanceOfSatisfying(Mqtt5DisconnectException.class, e -> assertThat(
                e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5DisconnectReasonCode.NOT_AUTHORIZED));
        assertThat(other.getState().isConnected()).isTrue();
        assertThat(fx.audit).anySatisfy(e -> assertThat(e.outcome()).isEqualTo("revoked"));
    }

    @Test
    void rateLimitCapsDeliveredMessages() throws Exception {
        Mqtt5BlockingClient app = Clients.connectV5("app", fx.port(), app("t", "dev1", 60));
        Mqtt5BlockingClient dev = Clients.connectV5("dev1", fx.port(), "dev1|t|60||tight"); // 2/s, burst 5
        List<Mqtt5PubAckReasonCode> codes = new CopyOnWriteArrayList<>();
        try (var in = app.publishes(MqttGlobalPublishFilter.ALL)) {
            app.subscribeWith().topicFilter("d/dev1/up/#").qos(MqttQos.AT_LEAST_ONCE).send();
            for (int i = 0; i < 20; i++) {
                byte[] payload = bytes("m" + i);
                codes.add(pubackCode(() -> dev.publishWith().topic("d/dev1/up/t").qos(MqttQos.AT_LEAST_ONCE)
                        .payload(payload).send()));
            }
            int received = 0;
            while (in.receive(300, TimeUnit.MILLISECONDS).isPresent()) {
                received++;
            }
            long ok = codes.stream().filter(c -> c == Mqtt5PubAckReasonCode.SUCCESS).count();
            assertThat(ok).isBetween(5L, 12L); // burst 5, then 2/s refill during the run
            assertThat(received).isEqualTo((int) ok);
            assertThat(codes).contains(Mqtt5PubAckReasonCode.QUOTA_EXCEEDED);
        }
        assertThat(fx.counter("edgeauth.mqtt.drops", "reason", "rate_limited")).isGreaterThanOrEqualTo(12);
    }

    @Test
    void willIsPublishedOnAbnormalCloseOnly() throws Exception {
        Mqtt5BlockingClient app = Clients.connectV5("app", fx.port(), app("t", "dev1", 60));
        try (var in = app.publishes(MqttGlobalPublishFilter.ALL)) {
            app.subscribeWith().topicFilter("d/dev1/up/#").qos(MqttQos.AT_LEAST_ONCE).send();
            Mqtt5BlockingClient dev = Clients.v5("dev1", fx.port()).buildBlocking();
            dev.connectWith().simpleAuth().username("dev1").password(bytes(token("dev1", "t", 60))).applySimpleAuth()
                    .willPublish().topic("d/dev1/up/status").payload(bytes("gone")).qos(MqttQos.AT_LEAST_ONCE).applyWillPublish()
                    .send();
            dev.disconnectWith().reasonCode(Mqtt5DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE).send();
            assertThat(text(receive(in).orElseThrow().getPayloadAsBytes())).isEqualTo("gone");
            Mqtt5BlockingClient polite = Clients.v5("dev1", fx.port()).buildBlocking();
            polite.connectWith().simpleAuth().username("dev1").password(bytes(token("dev1", "t", 60))).applySimpleAuth()
                    .willPublish().topic("d/dev1/up/status").payload(bytes("gone2")).applyWillPublish().send();
            polite.disconnect();
            assertThat(in.receive(300, TimeUnit.MILLISECONDS)).isEmpty();
        }
    }

    /**
     * Tour Q, Q8: only a DISCONNECT with reason 0x00 deletes the will (MQTT 5 §3.1.2.5, [MQTT-3.1.2-8]); a client
     * ending on an error of its own (0x80, 0x83, 0x93) leaves abnormally and its subscribers are owed the will.
     */
    @Test
    void aDisconnectWithAnErrorCodeKeepsTheWill() throws Exception {
        try (var in = ownerWatchingDev1()) {
            for (Mqtt5DisconnectReasonCode code : List.of(Mqtt5DisconnectReasonCode.UNSPECIFIED_ERROR,
                    Mqtt5DisconnectReasonCode.IMPLEMENTATION_SPECIFIC_ERROR, Mqtt5DisconnectReasonCode.RECEIVE_MAXIMUM_EXCEEDED)) {
                Mqtt5BlockingClient dev = Clients.v5("dev1", fx.port()).buildBlocking();
                dev.connectWith().simpleAuth().username("dev1").password(bytes(token("dev1", "t", 60))).applySimpleAuth()
                        .willPublish().topic("d/dev1/up/status").payload(bytes("err-" + code)).applyWillPublish().send();
                dev.disconnectWith().reasonCode(code).send();
                assertThat(receive(in)).as("the will after %s", code).hasValueSatisfying(
                        p -> assertThat(text(p.getPayloadAsBytes())).isEqualTo("err-" + code));
            }
        }
    }

    /** The owner app, subscribed to everything dev1 reports: where wills arrive. */
    private Mqtt5BlockingClient.Mqtt5Publishes ownerWatchingDev1() {
        Mqtt5BlockingClient app = Clients.connectV5("app", fx.port(), app("t", "dev1", 60));
        Mqtt5BlockingClient.Mqtt5Publishes in = app.publishes(MqttGlobalPublishFilter.ALL);
        app.subscribeWith().topicFilter("d/dev1/up/#").qos(MqttQos.AT_LEAST_ONCE).send();
        return in;
    }

    /** Connects dev1 with a persistent session and a will delayed by {@code delaySeconds}, then leaves with its will. */
    private void leaveWithDelayedWill(String payload, long delaySeconds) {
        Mqtt5BlockingClient dev = Clients.v5("dev1", fx.port()).buildBlocking();
        dev.connectWith().cleanStart(false).sessionExpiryInterval(60)
                .simpleAuth().username("dev1").password(bytes(token("dev1", "t", 60))).applySimpleAuth()
                .willPublish().topic("d/dev1/up/status").payload(bytes(payload)).delayInterval(delaySeconds).applyWillPublish()
                .send();
        dev.disconnectWith().reasonCode(Mqtt5DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE).send();
    }

    @Test
    void delayedWillIsPublishedWhenTheDelayPasses() throws Exception {
        try (var in = ownerWatchingDev1()) {
            leaveWithDelayedWill("late", 2);
            assertThat(in.receive(1, TimeUnit.SECONDS)).isEmpty(); // held back
            assertThat(text(receive(in).orElseThrow().getPayloadAsBytes())).isEqualTo("late");
        }
    }

    @Test
    void delayedWillIsDroppedWhenTheClientResumesTheSessionInTime() throws Exception {
        try (var in = ownerWatchingDev1()) {
            leaveWithDelayedWill("never", 2);
            Mqtt5BlockingClient back = Clients.v5("dev1", fx.port()).buildBlocking();
            back.connectWith().cleanStart(false).sessionExpiryInterval(60)
                    .simpleAuth().username("dev1").password(bytes(token("dev1", "t", 60))).applySimpleAuth().send();
            assertThat(in.receive(3500, TimeUnit.MILLISECONDS)).isEmpty();
        }
    }

    @Test
    void delayedWillIsPublishedAtOnceWhenACleanStartEndsTheSession() throws Exception {
        try (var in = ownerWatchingDev1()) {
            leaveWithDelayedWill("ended", 30);
            Clients.connectV5("dev1", fx.port(), token("dev1", "t", 60)); // clean start: the old session ends
            assertThat(text(receive(in).orElseThrow().getPayloadAsBytes())).isEqualTo("ended");
        }
    }

    @Test
    void resumingTakeOverDropsADelayedWill() throws Exception {
        try (var in = ownerWatchingDev1()) {
            Mqtt5BlockingClient first = Clients.v5("dev1", fx.port()).buildBlocking();
            first.connectWith().cleanStart(false).sessionExpiryInterval(60)
                    .simpleAuth().username("dev1").password(bytes(token("dev1", "t", 60))).applySimpleAuth()
                    .willPublish().topic("d/dev1/up/status").payload(bytes("never")).delayInterval(1).applyWillPublish()
                    .send();
            Mqtt5BlockingClient second = Clients.v5("dev1", fx.port()).buildBlocking();
            second.connectWith().cleanStart(false).sessionExpiryInterval(60)
                    .simpleAuth().username("dev1").password(bytes(token("dev1", "t", 60))).applySimpleAuth().send();
            assertThat(in.receive(2500, TimeUnit.MILLISECONDS)).isEmpty(); // the client is back: no last words
        }
    }

    @Test
    void takenOverConnectionsWillIsPublished() throws Exception {
        try (var in = ownerWatchingDev1()) {
            Mqtt5BlockingClient first = Clients.v5("dev1", fx.port()).buildBlocking();
            first.connectWith().simpleAuth().username("dev1").password(bytes(token("dev1", "t", 60))).applySimpleAuth()
                    .willPublish().topic("d/dev1/up/status").payload(bytes("replaced")).applyWillPublish().send();
            Clients.connectV5("dev1", fx.port(), token("dev1", "t", 60));
            assertThat(text(receive(in).orElseThrow().getPayloadAsBytes())).isEqualTo("replaced");
        }
    }

    @Test
    void qos2IsAcceptedAndDeliveredAtLeastOnce() throws Exception {
        Mqtt5BlockingClient app = Clients.connectV5("app", fx.port(), app("t", "dev1", 60));
        Mqtt5BlockingClient dev = Clients.connectV5("dev1", fx.port(), token("dev1", "t", 60));
        try (var in = app.publishes(MqttGlobalPublishFilter.ALL)) {
            app.subscribeWith().topicFilter("d/dev1/up/#").qos(MqttQos.EXACTLY_ONCE).send();
            dev.publishWith().topic("d/dev1/up/t").qos(MqttQos.EXACTLY_ONCE).payload(bytes("q2")).send(); // PUBREC/PUBREL/PUBCOMP
            Mqtt5Publish p = receive(in).orElseThrow();
            assertThat(text(p.getPayloadAsBytes())).isEqualTo("q2");
            assertThat(p.getQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
        }
    }

    @Test
    void secondConnectionTakesTheSessionOver() {
        AtomicReference<Throwable> cause = new AtomicReference<>();
        Mqtt5BlockingClient first = Clients.v5("dev1", fx.port()).addDisconnectedListener(c -> cause.set(c.getCause()))
                .buildBlocking();
        first.connectWith().simpleAuth().username("dev1").password(bytes(token("dev1", "t", 60))).applySimpleAuth().send();
        Mqtt5BlockingClient second = Clients.connectV5("dev1", fx.port(), token("dev1", "t", 60));
        await().until(() -> cause.get() != null);
        assertThat(cause.get()).isInstanceOfSatisfying(Mqtt5DisconnectException.class, e -> assertThat(
                e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5DisconnectReasonCode.SESSION_TAKEN_OVER));
        assertThat(second.getState().isConnected()).isTrue();
        await().untilAsserted(() -> assertThat(fx.edge.liveSessions()).isEqualTo(1));
    }

    @Test
    void subscriptionQuotaPerSession() {
        Mqtt5BlockingClient dev = Clients.connectV5("dev1", fx.port(), token("dev1", "t", 60));
        for (int i = 0; i < 64; i++) {
            dev.subscribeWith().topicFilter("d/dev1/down/" + i).send();
        }
        assertThatThrownBy(() -> dev.subscribeWith().topicFilter("d/dev1/down/one-too-many").send())
                .isInstanceOfSatisfying(Mqtt5SubAckException.class, e -> assertThat(e.getMqttMessage().getReasonCodes())
                        .containsExactly(Mqtt5SubAckReasonCode.QUOTA_EXCEEDED));
        dev.subscribeWith().topicFilter("d/dev1/down/0").send(); // replacing an existing one is fine
    }

    @Test
    void sharedSubscriptionsSplitTheStream() throws Exception {
        Mqtt5BlockingClient a = Clients.connectV5("app", fx.port(), app("t", "dev1", 60));
        Mqtt5BlockingClient b = Clients.connectV5("app2", fx.port(), "app2|t|60|sub:d/dev1/up/#");
        Mqtt5BlockingClient dev = Clients.connectV5("dev1", fx.port(), token("dev1", "t", 60));
        try (var inA = a.publishes(MqttGlobalPublishFilter.ALL); var inB = b.publishes(MqttGlobalPublishFilter.ALL)) {
            a.subscribeWith().topicFilter("$share/g/d/dev1/up/#").qos(MqttQos.AT_LEAST_ONCE).send();
            b.subscribeWith().topicFilter("$share/g/d/dev1/up/#").qos(MqttQos.AT_LEAST_ONCE).send();
            for (int i = 0; i < 10; i++) {
                dev.publishWith().topic("d/dev1/up/t").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("m" + i)).send();
            }
            int na = 0;
            int nb = 0;
            while (inA.receive(200, TimeUnit.MILLISECONDS).isPresent()) {
                na++;
            }
            while (inB.receive(200, TimeUnit.MILLISECONDS).isPresent()) {
                nb++;
            }
            assertThat(na).isEqualTo(5);
            assertThat(nb).isEqualTo(5);
        }
        assertThat(fx.counter("edgeauth.mqtt.messages.in")).isGreaterThanOrEqualTo(10);
        assertThat(fx.counter("edgeauth.mqtt.messages.out")).isGreaterThanOrEqualTo(10);
    }
}
