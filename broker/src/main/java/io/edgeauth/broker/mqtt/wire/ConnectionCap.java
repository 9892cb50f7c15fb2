package io.edgeauth.broker.mqtt.wire;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node's bound on open MQTT connections over all its MQTT listeners (TCP, TLS, WebSocket): {@code
 * mqtt.maxConnections}. A connection past it is closed as it is accepted, before any byte is read or a TLS engine
 * built. Without it, connections from many addresses (each within the per-address connect rate) took every file
 * descriptor of the process: the audit log could not rotate, the store not open a file, Redis and JWKS connections
 * not be made, and Netty logged an accept failure each time. Thread-safe.
 */
public final class ConnectionCap {
    private final int max;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();

    /** @param max at most this many open MQTT connections */
    public ConnectionCap(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("mqtt.maxConnections must be positive: " + max);
        }
        this.max = max;
    }

    /** Counts {@code channel} until it closes, or answers false (and counts a refusal) when the bound is reached. */
    boolean admit(Channel channel) {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            refused.incrementAndGet();
            return false;
        }
        channel.closeFuture().addListener(f -> open.decrementAndGet());
        return true;
    }

    public int max() {
        return max;
    }

    /** {@code edgeauth_mqtt_connections} and {@code edgeauth_mqtt_connections_refused_total}. */
    public void register(MeterRegistry meters) {
        Gauge.builder("edgeauth.mqtt.connections", open, AtomicInteger::get)
                .description("MQTT connections open now (TCP, TLS and WebSocket; before and after CONNECT)")
                .register(meters);
        FunctionCounter.builder("edgeauth.mqtt.connections.refused", refused, AtomicLong::get)
                .description("MQTT connections closed on accept: mqtt.maxConnections reached").register(meters);
    }
}
