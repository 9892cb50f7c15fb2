package io.edgeauth.broker.audit;

import java.util.Map;

/**
 * Writes one structured audit event per issuance, refusal, revocation and administrative action.
 * Fields are flat key/value pairs; callers pass token fingerprints, never tokens, secrets or keys.
 * Thread-safe; never throws to the caller.
 */
public interface AuditLog {
    /**
     * @param event   a stable event name, e.g. {@code token.issued}, {@code auth.refused}
     * @param outcome {@code ok} or a rejection reason code
     * @param fields  further facts (principal, tenant, protocol, remote, fingerprint, ...); null values are skipped
     */
    void record(String event, String outcome, Map<String, ?> fields);

    /** An audit log that drops everything (tests that do not look at audit). */
    AuditLog NOOP = (event, outcome, fields) -> { };
}
