package io.edgeauth.broker.mqtt;

import static io.edgeauth.broker.mqtt.Clients.bytes;
import static io.edgeauth.broker.mqtt.TestPipeline.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.edgeauth.broker.router.OverflowPolicy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class MqttBackpressureTest {
    private static final int QUEUE = 50;
    private static final int WINDOW = 10;
    private static final int MESSAGES = 1000;

    private static MqttSettings settings() {
        MqttSettings.Limits l = MqttSettings.Limits.builder().maxPacketSize(64 * 1024).maxPasswordSize(8192)
                .maxSubscriptionsPerSession(16).receiveMaximum(WINDOW).queueLength(QUEUE).offlineQueueLength(20)
                .overflowPolicy(OverflowPolicy.DROP_OLDEST).build();
        return MqttSettings.builder().host("127.0.0.1").port(0).limits(l).maxSessionExpiry(Duration.ofMinutes(5))
                .backpressureTimeout(Duration.ofSeconds(60))
                .abuseRule(new MqttSettings.AbuseRule(1000, MqttSettings.AbuseRule.DEFAULT_WINDOW)).build();
    }

    @Test
    void slowSubscriberPausesThePublisherInsteadOfGrowingMemory() throws Exception {
        try (EdgeFixture fx = new EdgeFixture(settings())) {
            // a subscriber that does not acknowledge until told to
            Mqtt5AsyncClient slow = Clients.v5("app", fx.port()).buildAsync();
            List<Mqtt5Publish> held = new CopyOnWriteArrayList<>();
            AtomicInteger received = new AtomicInteger();
            AtomicBoolean release = new AtomicBoolean();
            slow.publishes(MqttGlobalPublishFilter.ALL, p -> {
                received.incrementAndGet();
                if (release.get()) {
                    p.acknowledge();
                } else {
                    held.add(p);
                }
            }, true);
            slow.connectWith().simpleAuth().username("app").password(bytes("app|t|60|sub:d/dev1/up/#")).applySimpleAuth()
                    .send().get();
            slow.subscribeWith().topicFilter("d/dev1/up/#").qos(MqttQos.AT_LEAST_ONCE).send().get();

            Mqtt5AsyncClient publisher = Clients.v5("dev1", fx.port()).buildAsync();
            publisher.connectWith().simpleAuth().username("dev1").password(bytes(token("dev1", "t", 60))).applySimpleAuth()
                    .send().get();
            AtomicInteger acked = new AtomicInteger();
            Thread feeder = new Thread(() -> { // the HiveMQ client blocks its caller once its own buffer is full
                for (int i = 0; i < MESSAGES; i++) {
                    publisher.publishWith().topic("d/dev1/up/t").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("m" + i))
                            .send().thenRun(acked::incrementAndGet);
                }
            }, "feeder");
            feeder.setDaemon(true);
            feeder.start();
            MqttSessionState state = fx.edge.sessions.get("t\u0000app");
            await().untilAsserted(() -> assertThat(fx.counter("edgeauth.mqtt.backpressure.pauses"))
                    .isGreaterThanOrEqualTo(1));
            await().untilAsserted(() -> assertThat(held).hasSize(WINDOW));
            int ackedWhilePaused = acked.get();
            assertThat(ackedWhilePaused).isLessThan(MESSAGES);
            assertThat(state.queue.queued()).isLessThanOrEqualTo(QUEUE);
            assertThat(state.queue.inflight()).isEqualTo(WINDOW);
            // the publisher stays stalled while the subscriber holds its window
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
                assertThat(state.queue.queued()).isLessThanOrEqualTo(QUEUE);
                assertThat(acked.get()).isLessThan(MESSAGES);
            });
            // let the subscriber go: everything arrives, nothing was dropped
            release.set(true);
            held.forEach(Mqtt5Publish::acknowledge);
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertThat(acked).hasValue(MESSAGES);
                assertThat(received).hasValue(MESSAGES);
            });
            assertThat(fx.counter("edgeauth.mqtt.drops", "reason", "overflow_oldest")).isZero();
            assertThat(fx.counter("edgeauth.mqtt.drops", "reason", "queue_full")).isZero();
            publisher.disconnect().get();
            slow.disconnect().get();
        }
    }

    @Test
    void sustainedRateAbuseDisconnects() throws Exception {
        MqttSettings s = MqttSettings.plain(0).withAbuseThreshold(5);
        try (EdgeFixture fx = new EdgeFixture(s)) {
            AtomicReference<Throwable> cause = new AtomicReference<>();
            Mqtt5BlockingClient dev = Clients.v5("dev1", fx.port()).addDisconnectedListener(c -> cause.set(c.getCause()))
                    .buildBlocking();
            dev.connectWith().simpleAuth().username("dev1").password(bytes("dev1|t|60||tight")).applySimpleAuth().send();
            for (int i = 0; i < 30 && cause.get() == null; i++) {
                try {
                    dev.publishWith().topic("d/dev1/up/t").qos(MqttQos.AT_MOST_ONCE).payload(bytes("x")).send();
                } catch (RuntimeException closedMeanwhile) {
                    break;
                }
            }
            await().until(() -> cause.get() != null);
            assertThat(cause.get()).isInstanceOfSatisfying(Mqtt5DisconnectException.class, e -> assertThat(
                    e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5DisconnectReasonCode.MESSAGE_RATE_TOO_HIGH));
        }
    }

    /**
     * A subscriber that stops reading at the socket (its receive buffer full) must stop deliveries at the
     * channel's high-water mark, so its bounded queue and overflow policy apply; before, deliveries bypassed
     * Vert.x's write queue and piled up in the channel's outbound buffer (direct memory) without bound.
     */
    @Test
    void aSubscriberThatStopsReadingIsHeldToItsQueueBound() throws Exception {
        try (EdgeFixture fx = new EdgeFixture(settings());
             java.nio.channels.SocketChannel stuck = java.nio.channels.SocketChannel.open()) {
            stuck.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 2048);
            stuck.connect(new java.net.InetSocketAddress("127.0.0.1", fx.port()));
            stuck.write(java.nio.ByteBuffer.wrap(io.edgeauth.broker.bench.MqttWire.connect(5, "app", "app",
                    bytes("app|t|60|sub:d/dev1/up/#"))));
            assertThat(io.edgeauth.broker.bench.MqttWire.read(stuck).type()).isEqualTo(io.edgeauth.broker.bench.MqttWire.CONNACK);
            stuck.write(java.nio.ByteBuffer.wrap(io.edgeauth.broker.bench.MqttWire.subscribe(5, "d/dev1/up/#", 0)));
            assertThat(io.edgeauth.broker.bench.MqttWire.read(stuck).type()).isEqualTo(io.edgeauth.broker.bench.MqttWire.SUBACK);
            // from here on it never reads

            Mqtt5AsyncClient publisher = Clients.v5("dev1", fx.port()).buildAsync();
            publisher.connectWith().simpleAuth().username("dev1").password(bytes(token("dev1", "t", 60))).applySimpleAuth()
                    .send().get();
            byte[] kib = new byte[1024];
            int messages = 4000; // 4 MiB: far beyond the socket buffers and the channel's 64 KiB high-water mark
            for (int i = 0; i < messages; i++) {
                publisher.publishWith().topic("d/dev1/up/t").qos(MqttQos.AT_MOST_ONCE).payload(kib).send();
            }
            MqttSessionState state = fx.edge.sessions.get("t\u0000app");
            // its queue fills (deliveries wait for the channel) and holds the publisher back, within the bound
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                    fx.counter("edgeauth.mqtt.backpressure.pauses")).as("the publisher was paused").isGreaterThan(0));
            assertThat(state.queue.queued()).isLessThanOrEqualTo(QUEUE);
            publisher.disconnect().get();
        }
    }
}
