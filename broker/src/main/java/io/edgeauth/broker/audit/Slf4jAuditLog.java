package io.edgeauth.broker.audit;

import java.util.Map;
import net.logstash.logback.argument.StructuredArguments;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Audit events on the SLF4J logger {@code audit}; logback's JSON encoder (logback.xml) writes each
 * as one JSON object with the fields as top-level keys.
 */
public final class Slf4jAuditLog implements AuditLog {
    private static final Logger LOG = LoggerFactory.getLogger("audit");

    @Override
    public void record(String event, String outcome, Map<String, ?> fields) {
        try {
            java.util.Map<String, Object> clean = new java.util.LinkedHashMap<>();
            clean.put("event", event);
            clean.put("outcome", outcome);
            fields.forEach((k, v) -> {
                if (v != null) {
                    clean.put(k, v);
                }
            });
            LOG.info("{} {}", event, outcome, StructuredArguments.entries(clean));
        } catch (RuntimeException e) {
            LOG.warn("audit event {} could not be written", event, e);
        }
    }
}
