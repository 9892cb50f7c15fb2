package io.edgeauth.broker.coap;

import io.edgeauth.broker.audit.AuditLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.californium.scandium.dtls.PskPublicInformation;

/**
 * The trace of a DTLS handshake refused for its PSK: an identity the edge derives no key for
 * ({@code unknown_psk_identity}), or a key that is not the identity's ({@code bad_psk}: the peer's Finished fails
 * its MAC, as when a device's PSK comes from another fleet master). The handshake ends before any CoAP request, so
 * without this the operator saw nothing. One {@code dtls.refused} audit event (identity and peer; the identity is a
 * device id, not a secret; floods are summarised by the audit's refusal watch) and the counter
 * {@code edgeauth.coap.dtls.refused} by reason. Thread-safe.
 */
final class DtlsPskRefusals {
    static final String UNKNOWN_IDENTITY = "unknown_psk_identity";
    static final String BAD_PSK = "bad_psk";
    /** An identity is client text of up to 65,535 bytes: the audit keeps this much of it. */
    private static final int MAX_IDENTITY_CHARS = 128;

    private final AuditLog audit;
    private final MeterRegistry meters;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    DtlsPskRefusals(AuditLog audit, MeterRegistry meters) {
        this.audit = audit;
        this.meters = meters;
    }

    void refused(String reason, InetSocketAddress peer, PskPublicInformation identity) {
        counters.computeIfAbsent(reason, r -> Counter.builder("edgeauth.coap.dtls.refused").tag("reason", r)
                .description("DTLS handshakes refused for their PSK identity or key, by reason").register(meters))
                .increment();
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("protocol", "coap");
        fields.put("peer", peer == null ? null : "udp:" + peer.getAddress().getHostAddress() + ":" + peer.getPort());
        fields.put("psk_identity", identity(identity));
        audit.record("dtls.refused", reason, fields);
    }

    /** The identity as text (hex where it is not UTF-8), cut to {@link #MAX_IDENTITY_CHARS}. */
    static String identity(PskPublicInformation identity) {
        if (identity == null) {
            return null;
        }
        String s = identity.isCompliantEncoding() ? identity.getPublicInfoAsString() : "hex:" + identity.getAsString();
        return s.length() <= MAX_IDENTITY_CHARS ? s : s.substring(0, MAX_IDENTITY_CHARS) + "...";
    }
}
