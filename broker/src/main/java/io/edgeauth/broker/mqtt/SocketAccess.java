package io.edgeauth.broker.mqtt;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.mqtt.MqttEndpoint;
import java.lang.reflect.Field;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reaches the {@link NetSocket} under a vertx-mqtt endpoint. vertx-mqtt 5.0.7's {@link MqttEndpoint}
 * exposes neither pause/resume nor write-queue state, which backpressure needs, so this reads the
 * private {@code conn} field of {@code io.vertx.mqtt.impl.MqttEndpointImpl}. Isolated here: if a
 * vertx-mqtt upgrade renames it, {@link #socket} returns null and the edge degrades to the overflow
 * policy alone (bounded memory, more drops), logging that once.
 */
final class SocketAccess {
    private static final Logger LOG = LoggerFactory.getLogger(SocketAccess.class);
    private static final Field CONN = find();

    private SocketAccess() {
    }

    private static Field find() {
        try {
            Field f = Class.forName("io.vertx.mqtt.impl.MqttEndpointImpl").getDeclaredField("conn");
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("vertx-mqtt internals changed: MQTT publishers cannot be paused, overflow policy only", e);
            return null;
        }
    }

    /**
     * Puts a Netty {@link FlushConsolidationHandler} at the head of the connection's pipeline: Vert.x
     * flushes every write made outside a read of the same connection, so each PUBLISH routed to a
     * subscriber was its own {@code write(2)} (and TCP segment). With the handler, the flushes of one
     * event-loop turn become one (still flushed at the end of that turn, on close and on writability
     * changes), so a burst of deliveries leaves in a few segments. Order and backpressure are untouched:
     * every write still goes through Vert.x.
     */
    static void consolidateFlushes(NetSocket socket) {
        if (socket instanceof NetSocketInternal internal) {
            try {
                ChannelPipeline pipeline = internal.channelHandlerContext().pipeline();
                if (pipeline.get(FlushConsolidationHandler.class) == null) {
                    pipeline.addFirst("edgeauthFlushConsolidation", new FlushConsolidationHandler(
                            FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
                }
            } catch (RuntimeException e) {
                LOG.debug("flush consolidation not installed: {}", e.toString());
            }
        }
    }

    static NetSocket socket(MqttEndpoint endpoint) {
        if (CONN == null) {
            return null;
        }
        try {
            return CONN.get(endpoint) instanceof NetSocket s ? s : null;
        } catch (IllegalAccessException | IllegalArgumentException e) {
            return null;
        }
    }
}
