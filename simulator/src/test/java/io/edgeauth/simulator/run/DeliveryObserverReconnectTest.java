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
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker restarted during an ordinary (steady) run: the observer comes back once the broker is back, within the
 * run's drain period, instead of trying once at once and giving up for the rest of the run (tour AB, AB21).
 */
class DeliveryObserverReconnectTest {
    @TempDir
    Path dir;
    private static final ObserverIssuer ISSUER = new ObserverIssuer(InProcessBroker.SEED, InProcessBroker.OBSERVER_ISSUER);

    private static Map<String, String> fixedPorts() throws IOException {
        try (ServerSocket http = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             ServerSocket mqtt = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             java.net.DatagramSocket coap = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress());
             java.net.DatagramSocket coaps = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return Map.of("EDGEAUTH_HTTP_PORT", Integer.toString(http.getLocalPort()),
                    "EDGEAUTH_MQTT_PORT", Integer.toString(mqtt.getLocalPort()),
                    "EDGEAUTH_COAP_PORT", Integer.toString(coap.getLocalPort()),
                    "EDGEAUTH_COAP_DTLS_PORT", Integer.toString(coaps.getLocalPort()));
        }
    }

    @Test
    void aNonPersistentObserverComesBackAfterABrokerRestart() throws Exception {
        Map<String, String> ports = fixedPorts();
        InProcessBroker broker = new InProcessBroker(dir, ports);
        String[] hostPort = broker.mqtt().split(":");
        RunRecorder recorder = new RunRecorder();
        int shard = 0;
        try (LeanMqttClient mqtt = new LeanMqttClient(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), List.of(),
                1, 10_000);
             DeliveryObserver observer = new DeliveryObserver(mqtt, ISSUER, shard, true, recorder, false, Duration.ofSeconds(30))) {
            observer.start().get(10, TimeUnit.SECONDS);
            observer.expect(DeliveryObserver.key(1, 0), System.nanoTime()); // acknowledged before the drop, never delivered
            broker.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> !recorder.failureCounts().isEmpty());
            // the observer's first retry is immediate and may still reach the closing broker and subscribe there, to be
            // dropped again a moment later (seen on a fast CI machine): the message below must be sent while no
            // observer is subscribed, so wait for that once the broker is closed
            await().atMost(Duration.ofSeconds(10)).until(() -> !observer.subscribed());
            observer.expect(DeliveryObserver.key(2, 0), System.nanoTime()); // sent while no observer was subscribed
            Thread.sleep(2_000); // down for a while: an immediate retry finds nothing listening
            broker = new InProcessBroker(dir, ports);
            String token = ISSUER.scopedToken("pub:d/+/up/sim/" + shard, Duration.ofMinutes(5));
            MqttSession publisher = mqtt.connect(ISSUER.subject() + "#publisher", ISSUER.subject(),
                    token.getBytes(StandardCharsets.US_ASCII), true, 60, false);
            publisher.connected().get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(observer::subscribed);
            long sent = System.nanoTime();
            observer.expect(DeliveryObserver.key(3, 0), sent);
            assertThat(publisher.publish(DeliveryObserver.topic("dev-3", shard), Unpooled.buffer(RunRecorder.PAYLOAD_HEADER)
                    .writeLong(sent).writeLong(DeliveryObserver.indexWord(observer.runTag(), 3)).writeInt(0),
                    MqttQoS.AT_LEAST_ONCE).get(5, TimeUnit.SECONDS)).isZero();
            await().atMost(Duration.ofSeconds(10)).until(() -> recorder.get(RunRecorder.Counter.DELIVERED) == 1);
            assertThat(recorder.failureCounts()).as("the drop is reported").containsKey("observer:dropped:shutdown")
                    .doesNotContainKey("observer:reconnect_failed");
            assertThat(observer.gaveUp()).isFalse();
            // undelivered: the message acknowledged before the drop (the broker's loss, as far as the observer knows) and
            // the one sent while nobody was subscribed, counted apart
            assertThat(observer.outstanding()).isEqualTo(2);
            assertThat(observer.outstandingWhileAway()).isEqualTo(1);
            publisher.disconnect();
        } finally {
            broker.close();
        }
    }
}
