package io.edgeauth.simulator.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.simulator.InProcessBroker;
import io.edgeauth.simulator.fleet.ObserverIssuer;
import io.edgeauth.simulator.mqtt.LeanMqttClient;
import io.edgeauth.simulator.mqtt.MqttSession;
import io.edgeauth.simulator.report.RunRecorder;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The observer renews its token while the broker still owes it messages: nothing the broker acknowledged may be
 * lost on the way. A broker inflight window of one message keeps a backlog queued for the observer's session by
 * shape (every delivery waits for the previous acknowledgement), whatever the machine's speed.
 */
class DeliveryObserverTest {
    @TempDir
    static Path dir;
    static InProcessBroker broker;
    static final int MESSAGES = 2_000;

    @BeforeAll
    static void start() throws Exception {
        broker = new InProcessBroker(dir, Map.of("EDGEAUTH_MQTT_RECEIVE_MAXIMUM", "1", "EDGEAUTH_MQTT_QUEUE_LENGTH", "100000",
                "EDGEAUTH_RATE_PLANS", "{\"default\":{\"messagesPerSecond\":100000,\"burst\":100000,"
                        + "\"bytesPerSecond\":100000000}}"));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private static final ObserverIssuer ISSUER = new ObserverIssuer(InProcessBroker.SEED, InProcessBroker.OBSERVER_ISSUER);

    private static LeanMqttClient client() {
        String[] hostPort = broker.mqtt().split(":");
        return new LeanMqttClient(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), List.of(), 1, 10_000);
    }

    /** A session of the observer issuer's subject allowed to publish on the shard's telemetry topics. */
    private static MqttSession publisher(LeanMqttClient mqtt, int shard, boolean mqtt5) throws Exception {
        String token = ISSUER.scopedToken("pub:d/+/up/sim/" + shard, Duration.ofMinutes(5));
        MqttSession publisher = mqtt.connect(ISSUER.subject() + "#publisher-" + shard, ISSUER.subject(),
                token.getBytes(StandardCharsets.US_ASCII), mqtt5, 60, false);
        publisher.connected().get(10, TimeUnit.SECONDS);
        return publisher;
    }

    @ParameterizedTest(name = "mqtt5={0}")
    @ValueSource(booleans = {true, false})
    void aTokenRenewalLosesNothingTheBrokerStillOwesTheObserver(boolean mqtt5) throws Exception {
        RunRecorder recorder = new RunRecorder();
        int shard = mqtt5 ? 5 : 3;
        try (LeanMqttClient mqtt = client();
             DeliveryObserver observer = new DeliveryObserver(mqtt, ISSUER, shard, mqtt5, recorder, false, Duration.ZERO)) {
            observer.start().get(10, TimeUnit.SECONDS);
            MqttSession publisher = publisher(mqtt, shard, mqtt5);
            List<CompletableFuture<Integer>> acks = new ArrayList<>();
            for (int seq = 0; seq < MESSAGES; seq++) {
                long sent = System.nanoTime();
                observer.expect(DeliveryObserver.key(7, seq), sent);
                acks.add(publisher.publish(DeliveryObserver.topic("dev-7", shard),
                        Unpooled.buffer(RunRecorder.PAYLOAD_HEADER).writeLong(sent).writeLong(DeliveryObserver.indexWord(observer.runTag(), 7)).writeInt(seq),
                        MqttQoS.AT_LEAST_ONCE));
            }
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            assertThat(acks).allSatisfy(a -> assertThat(a.join()).isZero());
            // the broker acknowledged everything; one message at a time is still on its way to the observer
            assertThat(observer.outstanding()).as("a backlog when the token is renewed").isGreaterThan(0);

            observer.renewNow().get(10, TimeUnit.SECONDS);

            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .untilAsserted(() -> assertThat(observer.outstanding()).as("acknowledged and not delivered").isZero());
            assertThat(recorder.get(RunRecorder.Counter.DELIVERED)).isEqualTo(MESSAGES);
            assertThat(recorder.failureCounts()).isEmpty();
            publisher.disconnect();
        }
    }

    @ParameterizedTest(name = "mqtt5={0}")
    @ValueSource(booleans = {true, false})
    void theObserverKeepsItsSessionPastTheFirstTokensExpiry(boolean mqtt5) throws Exception {
        int shard = mqtt5 ? 15 : 13;
        RunRecorder recorder = new RunRecorder();
        try (LeanMqttClient mqtt = client();
             DeliveryObserver observer = new DeliveryObserver(mqtt, ISSUER, shard, mqtt5, recorder, false, Duration.ZERO,
                     Duration.ofSeconds(10))) {
            observer.start().get(10, TimeUnit.SECONDS);
            // past the expiry of the first 10 s token (renewed after 7 s): the broker ends a session that was not renewed
            Thread.sleep(11_000);
            MqttSession publisher = publisher(mqtt, shard, mqtt5);
            long sent = System.nanoTime();
            observer.expect(DeliveryObserver.key(9, 0), sent);
            assertThat(publisher.publish(DeliveryObserver.topic("dev-9", shard),
                    Unpooled.buffer(RunRecorder.PAYLOAD_HEADER).writeLong(sent).writeLong(DeliveryObserver.indexWord(observer.runTag(), 9)).writeInt(0),
                    MqttQoS.AT_LEAST_ONCE).get(10, TimeUnit.SECONDS)).isZero();
            await().atMost(Duration.ofSeconds(10)).until(() -> observer.outstanding() == 0);
            assertThat(recorder.failureCounts()).as("no renewal refused, no session dropped").isEmpty();
            publisher.disconnect();
        }
    }
}
