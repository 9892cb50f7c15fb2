package io.edgeauth.device;

import io.edgeauth.device.internal.MqttTransport;
import java.util.function.BooleanSupplier;

/** What a {@link DeviceMqttClient} does when HiveMQ's connection goes up or down, whoever brought it there. */
final class ConnectionHooks {
    private final DeviceMqttClient.ConnectionListener listener;
    private final PresentedToken token;
    private final BooleanSupplier closed;
    /** Set once HiveMQ's client is built, before any connection can come up. */
    private volatile MqttTransport transport;

    /** {@code listener} may be null. */
    ConnectionHooks(DeviceMqttClient.ConnectionListener listener, PresentedToken token, BooleanSupplier closed) {
        this.listener = listener;
        this.token = token;
        this.closed = closed;
    }

    /** The transport whose connection {@link #connected()} closes again; returns it. */
    MqttTransport attach(MqttTransport transport) {
        this.transport = transport;
        return transport;
    }

    /**
     * A connection came up (a connect or an automatic reconnect). If the application disconnected the client since,
     * it is closed again at once: HiveMQ cannot cancel a reconnect it scheduled before, nor can it be told to skip one
     * while its delay runs, so it would stay connected (and its listener told it was up) after the client was let go.
     */
    void connected() {
        if (closed.getAsBoolean()) {
            transport.disconnect().exceptionally(e -> null); // disconnect() may have closed it first
        } else if (listener != null) {
            listener.onConnected();
        }
    }

    /** The connection went down (by the client itself, else {@code cause}). */
    void disconnected(boolean byUser, Throwable cause) {
        if (!byUser) { // a refused token is replaced whoever reconnects: HiveMQ or the application
            token.onRefusal(cause);
        }
        if (listener != null) {
            listener.onDisconnected(byUser ? "closed_by_client" : FailureText.reason(cause));
        }
    }
}
