package io.edgeauth.broker.admission;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admits device authentications on one node up to {@link AdmissionLimits#maxInFlightAuthentications()} at
 * once, and TLS and DTLS handshakes up to {@link AdmissionLimits#maxPendingTlsHandshakes()}. A refused attempt
 * costs the node nothing but a counter: the edge answers it with its server-busy code (or, for a handshake, closes
 * the connection or drops the ClientHello) before any crypto or store work, so a connect storm is served at the
 * rate the node can sustain instead of queueing until everyone times out. Metrics: {@code edgeauth_admission_in_flight},
 * {@code edgeauth_admission_shed_total{edge}}, {@code edgeauth_admission_tls_handshakes} (pending now),
 * {@code edgeauth_admission_handshakes_shed_total{edge}}. Thread-safe and lock-free.
 */
public final class AdmissionControl {
    private static final String HANDSHAKES_SHED = "edgeauth.admission.handshakes.shed";
    private static final String HANDSHAKES_SHED_DESCRIPTION =
            "TLS connections closed, or DTLS ClientHellos dropped, before their handshake: too many pending";
    private final AdmissionLimits limits;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger handshakes = new AtomicInteger();
    private final MeterRegistry meters;
    private final ConcurrentMap<String, Counter> shed = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> shedHandshakes = new ConcurrentHashMap<>();

    /** @throws IllegalArgumentException when {@code limits} has {@link AdmissionLimits#problems() problems} */
    public AdmissionControl(AdmissionLimits limits, MeterRegistry meters) {
        if (!limits.problems().isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", limits.problems()));
        }
        this.limits = limits;
        this.meters = meters;
        io.micrometer.core.instrument.Gauge.builder("edgeauth.admission.in.flight", inFlight, Number::doubleValue)
                .description("Authentications in flight on the node (admission.maxInFlightAuthentications)").register(meters);
        io.micrometer.core.instrument.Gauge.builder("edgeauth.admission.tls.handshakes", handshakes, Number::doubleValue)
                .description("MQTT TLS and CoAP DTLS handshakes pending (admission.maxPendingTlsHandshakes)")
                .register(meters);
    }

    /** No limit worth the name, no metrics: for an edge built without the node's control (tests, tools). */
    public static AdmissionControl unlimited() {
        return new AdmissionControl(new AdmissionLimits(AdmissionLimits.MAX_IN_FLIGHT, 1, AdmissionLimits.MAX_IN_FLIGHT),
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    }

    /**
     * A permit for one authentication on {@code edge} ({@code mqtt}, {@code coap}), or empty when the node is
     * at its limit (counted as shed). The caller closes the permit once the pipeline has answered.
     */
    public Optional<Permit> tryAdmit(String edge) {
        return tryAcquire(inFlight, limits.maxInFlightAuthentications(), shed, edge, "edgeauth.admission.shed",
                "authentications refused as server busy before any work");
    }

    /**
     * A permit for one TLS handshake on {@code edge} ({@code mqtt}), or empty when the node is at its limit
     * (counted as shed; the edge closes the connection before reading its ClientHello). The caller closes the
     * permit once the handshake has ended, whichever way.
     */
    public Optional<Permit> tryAdmitHandshake(String edge) {
        return tryAcquire(handshakes, limits.maxPendingTlsHandshakes(), shedHandshakes, edge, HANDSHAKES_SHED,
                HANDSHAKES_SHED_DESCRIPTION);
    }

    /**
     * DTLS: whether a ClientHello may go on to start a handshake on {@code edge} ({@code coap}), given
     * {@code queued}, the work already waiting for the edge's DTLS workers (a handshake is only counted once it
     * has started there). False, counted as shed, when the handshakes pending plus {@code queued} reach the limit;
     * the edge then drops the ClientHello. A handshake that starts takes {@link #admitStartedHandshake()}.
     */
    public boolean tryHandshakeRoom(String edge, int queued) {
        if (handshakes.get() + (long) queued < limits.maxPendingTlsHandshakes()) {
            return true;
        }
        countShed(shedHandshakes, edge, HANDSHAKES_SHED, HANDSHAKES_SHED_DESCRIPTION);
        return false;
    }

    /**
     * A permit for a DTLS handshake that has started after {@link #tryHandshakeRoom} let its ClientHello in: never
     * refused, since the handshake is already under way (a few more than the limit may start together).
     */
    public Permit admitStartedHandshake() {
        handshakes.incrementAndGet();
        return new Permit(handshakes);
    }

    private Optional<Permit> tryAcquire(AtomicInteger count, int limit, ConcurrentMap<String, Counter> shedBy,
                                        String edge, String shedName, String shedDescription) {
        if (count.incrementAndGet() > limit) {
            count.decrementAndGet();
            countShed(shedBy, edge, shedName, shedDescription);
            return Optional.empty();
        }
        return Optional.of(new Permit(count));
    }

    private void countShed(ConcurrentMap<String, Counter> shedBy, String edge, String name, String description) {
        shedBy.computeIfAbsent(edge, e -> Counter.builder(name).description(description).tag("edge", e)
                .register(meters)).increment();
    }

    /** The retry hint a refused client gets, in seconds. */
    public int retryAfterSeconds() {
        return limits.retryAfterSeconds();
    }

    /** Authentications admitted and not yet answered. */
    public int inFlight() {
        return inFlight.get();
    }

    /** TLS handshakes admitted and not yet ended. */
    public int pendingHandshakes() {
        return handshakes.get();
    }

    /** One admitted authentication or handshake; closing it (once, idempotent) frees its place. */
    public static final class Permit implements AutoCloseable {
        private final AtomicInteger inFlight;
        private final AtomicBoolean released = new AtomicBoolean();

        private Permit(AtomicInteger inFlight) {
            this.inFlight = inFlight;
        }

        @Override
        public void close() {
            if (released.compareAndSet(false, true)) {
                inFlight.decrementAndGet();
            }
        }
    }
}
