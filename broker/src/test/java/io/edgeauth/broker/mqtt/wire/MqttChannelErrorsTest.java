package io.edgeauth.broker.mqtt.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * An exception reaching the end of a connection's pipeline is either the peer's doing (I/O, TLS, bytes the codec
 * refused: DEBUG, closed) or a bug of ours, which must be reported: the fuzz targets see the edge's bugs only so.
 */
class MqttChannelErrorsTest {
    @Test
    void ourExceptionsAreReportedAndThePeersAreNot() {
        for (Throwable cause : List.of(new IllegalStateException("bug"), new IOException("reset"),
                new DecoderException("bad bytes"))) {
            List<Throwable> reported = new CopyOnWriteArrayList<>();
            EmbeddedChannel ch = new EmbeddedChannel(new MqttChannel(c -> { }, 10_000, null,
                    reported::add, loop -> new LoopSweep()));
            ch.pipeline().fireExceptionCaught(cause);
            assertThat(ch.isOpen()).as("closed after %s", cause).isFalse();
            if (cause instanceof IllegalStateException) {
                assertThat(reported).containsExactly(cause);
            } else {
                assertThat(reported).as("a peer's fault is no internal error").isEmpty();
            }
            ch.finishAndReleaseAll();
        }
    }
}
