package io.edgeauth.broker.mqtt.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Tour K, K8: the keep-alive ([MQTT-3.1.2-22], 1.5 x the interval without a packet) counts time in which the client
 * could be heard. While the edge itself stopped reading (between CONNECT and CONNACK, or holding a publisher back) a
 * PINGREQ waits unread in the socket: a client with a short keep-alive was closed as silent, its will published. The
 * sweep is given its time ({@code sweep(nowNanos)}), so nothing here waits or measures.
 */
class KeepAliveWhilePausedTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void theKeepAliveDoesNotRunWhileTheEdgeIsNotReading() {
        AtomicReference<MqttChannel> connected = new AtomicReference<>();
        MqttChannel mqtt = new MqttChannel(connected::set, 10_000, null, e -> { }, loop -> new LoopSweep());
        EmbeddedChannel ch = new EmbeddedChannel(mqtt);
        ch.writeInbound(MqttMessageBuilders.connect().clientId("k8").protocolVersion(MqttVersion.MQTT_5)
                .keepAlive(1).cleanSession(true).build());
        assertThat(connected.get()).as("the CONNECT reached the edge").isSameAs(mqtt);
        long start = System.nanoTime();

        mqtt.sweep(start + 5 * SECOND); // authentication took 5 s: the client could not be heard meanwhile
        assertThat(ch.isOpen()).as("closed for a silence the edge made").isTrue();

        mqtt.accept(false, MqttProperties.NO_PROPERTIES);
        ch.runPendingTasks(); // reading resumes once CONNACK is written
        long resumed = System.nanoTime();
        mqtt.sweep(resumed + SECOND);
        assertThat(ch.isOpen()).as("1 s after reading resumed, within 1.5 x 1 s").isTrue();

        mqtt.pauseReading(true); // a publisher held back
        mqtt.sweep(resumed + 4 * SECOND);
        assertThat(ch.isOpen()).isTrue();
        mqtt.pauseReading(false);
        ch.runPendingTasks();

        long heard = System.nanoTime();
        mqtt.sweep(heard + 2 * SECOND);
        assertThat(ch.isOpen()).as("a client silent for 2 s while read is closed").isFalse();
        ch.finishAndReleaseAll();
    }
}
