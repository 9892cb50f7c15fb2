package io.edgeauth.simulator.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A PUBLISH the session refuses itself (over the broker's Maximum Packet Size, not connected) never reports itself sent:
 * the run's {@code published} counts what the callback reports, and counted these though they never left the device.
 */
class PublishSentTest {
    private final AtomicInteger sent = new AtomicInteger();

    private static EmbeddedChannel connected(MqttSession session, int maxPacketSize) {
        EmbeddedChannel ch = new EmbeddedChannel(session);
        MqttProperties p = new MqttProperties();
        p.add(new MqttProperties.IntegerProperty(MqttProperties.MqttPropertyType.MAXIMUM_PACKET_SIZE.value(), maxPacketSize));
        ch.writeInbound(MqttMessageBuilders.connAck().returnCode(MqttConnectReturnCode.CONNECTION_ACCEPTED).properties(p).build());
        assertThat(session.connected()).isCompleted();
        return ch;
    }

    @Test
    void onlyAPublishHandedToTheConnectionReportsItselfSent() {
        MqttSession session = new MqttSession(true);
        EmbeddedChannel ch = connected(session, 200);
        CompletableFuture<Integer> tooLarge = session.publish("d/sim-1/up/sim/0", Unpooled.buffer().writeZero(300),
                MqttQoS.AT_LEAST_ONCE, sent::incrementAndGet);
        ch.runPendingTasks();
        assertThat(tooLarge).isCompletedExceptionally();
        assertThat(sent).hasValue(0);
        assertThat((Object) ch.readOutbound()).isNull();

        CompletableFuture<Integer> fits = session.publish("d/sim-1/up/sim/0", Unpooled.buffer().writeZero(100),
                MqttQoS.AT_LEAST_ONCE, sent::incrementAndGet);
        ch.runPendingTasks();
        assertThat(sent).hasValue(1);
        MqttPublishMessage out = ch.readOutbound();
        assertThat(out).isNotNull();
        out.release();
        assertThat(fits).isNotDone(); // its PUBACK is still to come

        ch.close();
        CompletableFuture<Integer> closed = session.publish("d/sim-1/up/sim/0", Unpooled.buffer().writeZero(10),
                MqttQoS.AT_LEAST_ONCE, sent::incrementAndGet);
        ch.runPendingTasks();
        assertThat(closed).isCompletedExceptionally();
        assertThat(fits).isCompletedExceptionally(); // connection_closed: sent, and lost with its connection
        assertThat(sent).hasValue(1);
    }
}
