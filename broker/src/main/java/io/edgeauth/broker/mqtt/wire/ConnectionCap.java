package io.edgeauth.broker.mqtt.wire;

import io.edgeauth.broker.audit.LogLimiter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's bound on open MQTT connections over all its MQTT listeners (TCP, TLS, WebSocket): {@code
 * mqtt.maxConnections}. A connection past it is closed as it is accepted, before any byte is read or a TLS engine
 * built. Without it, connections from many addresses (each within the per-address connect rate) took every file
 * descriptor of the process: the audit log could not rotate, the store not open a file, Redis and JWKS connections
 * not be made, and Netty logged an accept failure each time. Thread-safe.
 */
public final class ConnectionCap {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionCap.class);
    private final int max;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    // a full node is alive and serves its connections (readiness stays UP), but the operator must see why devices
    // cannot connect; one line a minute, as a flood of connects would otherwise write one each
    private final LogLimiter refusedLog = new LogLimiter(Duration.ofMinutes(1));

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
            long leftOut = refusedLog.permit();
            if (leftOut >= 0) {
                LOG.warn("MQTT connection from {} closed on accept: mqtt.maxConnections reached ({} open){}",
                        channel.remoteAddress(), max, LogLimiter.leftOut(leftOut));
            }
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
