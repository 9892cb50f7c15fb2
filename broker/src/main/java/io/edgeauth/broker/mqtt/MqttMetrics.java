package io.edgeauth.broker.mqtt;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Micrometer meters of the MQTT edge: {@code edgeauth.mqtt.sessions} (gauge, tenant and protocol),
 * {@code edgeauth.mqtt.connects} (outcome accepted/refused, reason), {@code edgeauth.mqtt.messages.in}
 * and {@code .out}, {@code edgeauth.mqtt.drops} (reason), {@code edgeauth.mqtt.backpressure.pauses},
 * {@code edgeauth.mqtt.auth.latency} (timer).
 */
final class MqttMetrics {
    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, AtomicInteger> sessions = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();
    private final Counter messagesIn;
    private final Counter messagesOut;
    private final Timer authLatency;

    MqttMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.messagesIn = Counter.builder("edgeauth.mqtt.messages.in").description("MQTT PUBLISH packets received")
                .register(registry);
        this.messagesOut = Counter.builder("edgeauth.mqtt.messages.out").description("MQTT PUBLISH packets sent")
                .register(registry);
        this.authLatency = Timer.builder("edgeauth.mqtt.auth.latency").publishPercentileHistogram(false)
                .description("MQTT CONNECT authentication, from CONNECT to the pipeline's answer").register(registry);
    }

    /** The node's bound on open MQTT connections ({@code mqtt.maxConnections}), with its gauge and refusal counter. */
    io.edgeauth.broker.mqtt.wire.ConnectionCap connectionCap(int max) {
        io.edgeauth.broker.mqtt.wire.ConnectionCap cap = new io.edgeauth.broker.mqtt.wire.ConnectionCap(max);
        cap.register(registry);
        return cap;
    }

    /** {@code edgeauth_mqtt_tls_refused_total}: client certificates refused in TLS handshakes, by reason. */
    io.edgeauth.broker.mqtt.wire.TlsRefusals tlsRefusals() {
        return new io.edgeauth.broker.mqtt.wire.TlsRefusals(registry);
    }

    AtomicInteger sessions(String tenant, String protocol) {
        return sessions.computeIfAbsent(tenant + '\0' + protocol, k -> {
            AtomicInteger count = new AtomicInteger();
            io.micrometer.core.instrument.Gauge.builder("edgeauth.mqtt.sessions", count, AtomicInteger::get)
                    .tags(Tags.of("tenant", tenant, "protocol", protocol))
                    .description("MQTT sessions connected now, by tenant and listener").register(registry);
            return count;
        });
    }

    void accepted() {
        counter("edgeauth.mqtt.connects", "outcome", "accepted", "reason", "ok").increment();
    }

    void refused(String reason) {
        counter("edgeauth.mqtt.connects", "outcome", "refused", "reason", reason).increment();
    }

    void drop(String reason) {
        counter("edgeauth.mqtt.drops", "reason", reason, null, null).increment();
    }

    /** A publisher was paused for a congested subscriber (backpressure; nothing is lost). */
    void paused() {
        counter("edgeauth.mqtt.backpressure.pauses", "protocol", "mqtt", null, null).increment();
    }

    void in() {
        messagesIn.increment();
    }

    void out() {
        messagesOut.increment();
    }

    Timer authLatency() {
        return authLatency;
    }

    private Counter counter(String name, String k1, String v1, String k2, String v2) {
        String key = name + '\0' + v1 + '\0' + v2;
        return counters.computeIfAbsent(key, k -> k2 == null ? registry.counter(name, k1, v1)
                : registry.counter(name, k1, v1, k2, v2));
    }
}
