package io.edgeauth.broker.mqtt.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The once-a-second sweep: keep-alive timeouts (1.5 x, MQTT §3.1.2.10) and the edge's ticks, without sleeping. */
class LoopSweepTest {
    private static final long SECOND = 1_000_000_000L;
    private final LoopSweep sweep = new LoopSweep();
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final AtomicInteger ticks = new AtomicInteger();

    @Test
    void closesAConnectionSilentForOneAndAHalfKeepAlives() {
        EmbeddedChannel ch = connected(2);
        long readAt = System.nanoTime();
        sweep.sweepAt(readAt + 2 * SECOND);
        assertThat(ch.isOpen()).as("2 s of silence with a 2 s keep-alive").isTrue();
        ch.writeInbound(io.netty.handler.codec.mqtt.MqttMessage.PINGREQ); // any packet counts as life
        long pingAt = System.nanoTime();
        sweep.sweepAt(pingAt + 2 * SECOND);
        assertThat(ch.isOpen()).isTrue();
        sweep.sweepAt(pingAt + 3 * SECOND + SECOND / 10);
        ch.runPendingTasks();
        assertThat(ch.isOpen()).as("3.1 s of silence with a 2 s keep-alive").isFalse();
        assertThat(errors).isEmpty();
        ch.finishAndReleaseAll();
    }

    @Test
    void keepAliveZeroMeansNoTimeoutAndTheEdgeIsTicked() {
        EmbeddedChannel ch = connected(0);
        sweep.sweepAt(System.nanoTime() + 3600 * SECOND);
        sweep.sweepAt(System.nanoTime() + 7200 * SECOND);
        assertThat(ch.isOpen()).isTrue();
        assertThat(ticks).hasValue(2);
        ch.close();
        ch.runPendingTasks();
        sweep.sweepAt(System.nanoTime());
        assertThat(ticks).as("a closed connection leaves the sweep").hasValue(2);
        ch.finishAndReleaseAll();
    }

    @Test
    void aTickThatThrowsIsReportedAndClosesOnlyItsConnection() {
        EmbeddedChannel healthy = connected(0);
        EmbeddedChannel broken = connected(0, () -> {
            throw new IllegalStateException("bug");
        });
        sweep.sweepAt(System.nanoTime());
        broken.runPendingTasks();
        assertThat(broken.isOpen()).isFalse();
        assertThat(healthy.isOpen()).isTrue();
        assertThat(errors).singleElement().isInstanceOf(IllegalStateException.class);
        assertThat(ticks).as("the healthy connection was ticked too").hasValue(1);
        healthy.finishAndReleaseAll();
        broken.finishAndReleaseAll();
    }

    @Test
    void unlinksFromTheMiddleOfTheList() {
        EmbeddedChannel a = connected(0);
        EmbeddedChannel b = connected(0);
        EmbeddedChannel c = connected(0);
        b.close();
        b.runPendingTasks();
        sweep.sweepAt(System.nanoTime());
        assertThat(ticks).hasValue(2);
        a.finishAndReleaseAll();
        c.finishAndReleaseAll();
    }

    private EmbeddedChannel connected(int keepAliveSeconds) {
        return connected(keepAliveSeconds, ticks::incrementAndGet);
    }

    private EmbeddedChannel connected(int keepAliveSeconds, Runnable onTick) {
        EmbeddedChannel ch = new EmbeddedChannel(new MqttChannel(c -> {
            c.handler(new Ticking(onTick));
            c.accept(false, MqttProperties.NO_PROPERTIES);
        }, 10_000, null, errors::add, loop -> sweep));
        MqttConnectMessage connect = MqttMessageBuilders.connect().clientId("dev").protocolVersion(MqttVersion.MQTT_3_1_1)
                .cleanSession(true).keepAlive(keepAliveSeconds).build();
        ch.writeInbound(connect);
        assertThat(ch.isOpen()).isTrue();
        return ch;
    }

    /** A packet handler that only counts ticks. */
    private record Ticking(Runnable tick) implements PacketHandler {
        @Override
        public void onPublish(Publish m) {
        }

        @Override
        public void onSubscribe(int messageId, io.netty.handler.codec.mqtt.MqttProperties properties,
                                List<MqttTopicSubscription> subscriptions) {
        }

        @Override
        public void onUnsubscribe(int messageId, List<String> topics) {
        }

        @Override
        public void onPuback(int messageId) {
        }

        @Override
        public byte onPubrel(int messageId) {
            return 0;
        }

        @Override
        public void onAuth(byte reasonCode, io.netty.handler.codec.mqtt.MqttProperties properties) {
        }

        @Override
        public boolean onDisconnect(byte reasonCode, io.netty.handler.codec.mqtt.MqttProperties properties) {
            return true;
        }

        @Override
        public void onWritable() {
        }

        @Override
        public void onClose() {
        }

        @Override
        public void onTick() {
            tick.run();
        }
    }
}
