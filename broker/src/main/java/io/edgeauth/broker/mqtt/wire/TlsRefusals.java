package io.edgeauth.broker.mqtt.wire;

import io.edgeauth.broker.audit.LogLimiter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trace of a client certificate refused in an MQTT TLS handshake, seen where the handshake's failure meets the
 * connection (the trust manager that refuses it does not know the peer): {@code edgeauth_mqtt_tls_refused_total} by
 * reason, and an INFO line with the peer address and the refusal, one a minute at most (the subject is client text,
 * and a flood of handshakes would otherwise write one line each). No session or client id exists yet: this is the
 * operator's only trace of a device that cannot connect. Thread-safe.
 */
public final class TlsRefusals {
    private static final Logger LOG = LoggerFactory.getLogger(TlsRefusals.class);

    private final MeterRegistry meters;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final LogLimiter lines = new LogLimiter(Duration.ofMinutes(1));

    public TlsRefusals(MeterRegistry meters) {
        this.meters = meters;
    }

    /** A TLS handshake of {@code channel} failed with {@code cause}: traced if a client certificate was refused. */
    void handshakeFailed(Channel channel, Throwable cause) {
        CertificateException refused = find(cause, CertificateException.class);
        if (refused == null) {
            return; // a timeout, a close, a protocol the client lacks: not a refused certificate
        }
        String reason = reason(cause);
        counters.computeIfAbsent(reason, r -> Counter.builder("edgeauth.mqtt.tls.refused").tag("reason", r)
                .description("MQTT TLS handshakes that refused the client certificate, by reason").register(meters))
                .increment();
        long leftOut = lines.permit();
        if (leftOut >= 0) {
            LOG.info("MQTT TLS handshake from {} refused the client certificate ({}): {}{}", channel.remoteAddress(),
                    reason, refused.getMessage(), LogLimiter.leftOut(leftOut));
        }
    }

    /** {@code certificate_revoked}, {@code certificate_expired} (or not yet valid), else {@code certificate_untrusted}. */
    static String reason(Throwable cause) {
        CertPathValidatorException path = find(cause, CertPathValidatorException.class);
        if (path != null && path.getReason() == CertPathValidatorException.BasicReason.REVOKED) {
            return "certificate_revoked";
        }
        if (find(cause, CertificateExpiredException.class) != null
                || find(cause, CertificateNotYetValidException.class) != null
                || path != null && (path.getReason() == CertPathValidatorException.BasicReason.EXPIRED
                || path.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID)) {
            return "certificate_expired";
        }
        return "certificate_untrusted";
    }

    private static <T extends Throwable> T find(Throwable t, Class<T> type) {
        for (int depth = 0; t != null && depth < 16; t = t.getCause(), depth++) { // bounded: a cause cycle ends it
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
