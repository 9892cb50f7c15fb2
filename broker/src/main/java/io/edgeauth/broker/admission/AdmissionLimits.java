package io.edgeauth.broker.admission;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code admission} config section: at most {@code maxInFlightAuthentications} device authentications
 * (MQTT CONNECT, CoAP token upload and {@code /token}) run on a node at once, counted from the moment the edge
 * reads the credential until the pipeline answers; one more is refused at once as server busy, with
 * {@code retryAfterSeconds} as the hint (CoAP Max-Age; MQTT has no field for it, clients back off by
 * themselves). At most {@code maxPendingTlsHandshakes} TLS and DTLS handshakes run on a node at once: an MQTT
 * TLS connection (TLS and secure WebSocket listeners) counts from its accept until its handshake ends, and one more
 * is closed at once; a DTLS handshake counts from its start (its cookie checked) until its keys are established,
 * and a ClientHello is dropped while those handshakes plus the jobs waiting for the DTLS workers reach the limit.
 * Either way before it costs any handshake work. Immutable.
 */
public record AdmissionLimits(int maxInFlightAuthentications, int retryAfterSeconds, int maxPendingTlsHandshakes) {
    /** The bounds {@link #problems()} enforces. */
    public static final int MAX_IN_FLIGHT = 1_000_000;
    public static final int MAX_RETRY_AFTER_SECONDS = 3600;

    /** Every out-of-range value, each message naming its key and the expected form; empty when valid. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (maxInFlightAuthentications < 1 || maxInFlightAuthentications > MAX_IN_FLIGHT) {
            problems.add("admission.maxInFlightAuthentications: expected 1.." + MAX_IN_FLIGHT + ", got "
                    + maxInFlightAuthentications);
        }
        if (retryAfterSeconds < 1 || retryAfterSeconds > MAX_RETRY_AFTER_SECONDS) {
            problems.add("admission.retryAfterSeconds: expected 1.." + MAX_RETRY_AFTER_SECONDS + ", got "
                    + retryAfterSeconds);
        }
        if (maxPendingTlsHandshakes < 1 || maxPendingTlsHandshakes > MAX_IN_FLIGHT) {
            problems.add("admission.maxPendingTlsHandshakes: expected 1.." + MAX_IN_FLIGHT + ", got "
                    + maxPendingTlsHandshakes);
        }
        return problems;
    }
}
