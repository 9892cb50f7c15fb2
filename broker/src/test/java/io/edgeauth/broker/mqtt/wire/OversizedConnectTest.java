package io.edgeauth.broker.mqtt.wire;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.edgeauth.broker.testsupport.LogCapture;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

/**
 * A CONNECT over {@code mqtt.maxPacketSize} is logged naming the setting: the connection used to end with no trace,
 * so a fleet whose tokens had outgrown the limit could not connect and the operator saw nothing.
 */
class OversizedConnectTest {
    @Test
    void anOversizedConnectLeavesAWarning() {
        PacketFrames.OVERSIZED_CONNECT_LOGGED.set(System.nanoTime() - PacketFrames.OVERSIZED_CONNECT_LOG_EVERY_NANOS);
        try (LogCapture log = LogCapture.of(PacketFrames.class)) {
            EmbeddedChannel ch = new EmbeddedChannel(new PacketFrames(400));
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x10, (byte) 0xE8, 0x07, 0, 4, 'M', 'Q', 'T', 'T', 5}));
            assertThat(log.events()).anySatisfy(e -> {
                assertThat(e.getLevel()).isEqualTo(Level.WARN);
                assertThat(e.getFormattedMessage()).contains("CONNECT").contains("a packet of 1003 bytes") // remaining length 1000 and its 3-byte header
                        .contains("mqtt.maxPacketSize (400)");
            });
            ch.finishAndReleaseAll();
        }
    }
}
