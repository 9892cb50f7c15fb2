package io.edgeauth.broker.mqtt;

import io.vertx.core.net.NetSocket;
import io.vertx.mqtt.MqttEndpoint;
import java.lang.reflect.Field;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two things the edge needs from a vertx-mqtt 5.0.7 endpoint that its API does not offer, both
 * private fields of {@code io.vertx.mqtt.impl.MqttEndpointImpl}, isolated here so an upgrade that renames
 * them degrades instead of breaking (logged once):
 * <ul>
 * <li>{@code conn}: the {@link NetSocket}, for pause/resume and write-queue state, which backpressure
 * needs. Without it the edge falls back to the overflow policy alone (bounded memory, more drops).</li>
 * <li>{@code auth}: the CONNECT's username and password, which the endpoint would keep for the life of the
 * connection. The password is the access token: once read it is dropped, so a live session does not hold
 * its bearer token in the heap (nor its ~0.4 KB). Without the field, the token simply stays. The field is
 * final: JDKs that enforce "final means final" (JEP 500, after 25) will refuse or warn, and the token stays;
 * {@code EndpointInternalsTest} fails then, so the loss is noticed.</li>
 * </ul>
 */
final class EndpointInternals {
    private static final Logger LOG = LoggerFactory.getLogger(EndpointInternals.class);
    private static final Field CONN = find("conn", "MQTT publishers cannot be paused, overflow policy only");
    private static final Field AUTH = find("auth", "a connection keeps its CONNECT password for its lifetime");

    private EndpointInternals() {
    }

    private static Field find(String name, String consequence) {
        try {
            Field f = Class.forName("io.vertx.mqtt.impl.MqttEndpointImpl").getDeclaredField(name);
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("vertx-mqtt internals changed ({}): {}", name, consequence, e);
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

    /** Drops the endpoint's copy of the CONNECT credentials; {@link MqttEndpoint#auth()} is null afterwards. */
    static void forgetCredentials(MqttEndpoint endpoint) {
        if (AUTH == null) {
            return;
        }
        try {
            AUTH.set(endpoint, null);
        } catch (IllegalAccessException | IllegalArgumentException e) {
            LOG.debug("cannot drop CONNECT credentials: {}", e.toString());
        }
    }
}
