package io.edgeauth.broker.mqtt;

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
