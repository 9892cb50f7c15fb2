package io.edgeauth.broker.audit;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Writes one structured audit event per issuance, refusal, revocation and administrative action.
 * Fields are flat key/value pairs; callers pass token fingerprints, never tokens, secrets or keys.
 * Thread-safe; never throws to the caller.
 */
public interface AuditLog {
    /**
     * Records an event. The broker's log ({@link ChainedAuditLog}) writes most events a moment later on its writer
     * thread; for the events that must survive a crash once the caller answers ({@link ChainedAuditLog#DURABLE_EVENTS})
     * it returns only once the line is written: while the audit file cannot be written (a full disk), once it can again.
     *
     * @param event   a stable event name, e.g. {@code token.issued}, {@code auth.refused}
     * @param outcome {@code ok} or a rejection reason code
     * @param fields  further facts (principal, tenant, protocol, remote, fingerprint, ...); null values are skipped
     */
    void record(String event, String outcome, Map<String, ?> fields);

    /**
     * Records an event without waiting for its write: the future completes once its line (and every line before it)
     * is written to the sink. For callers that acknowledge many events at once (bulk import: one wait per batch).
     */
    default CompletableFuture<Void> recordAsync(String event, String outcome, Map<String, ?> fields) {
        record(event, outcome, fields);
        return CompletableFuture.completedFuture(null);
    }

    /** An audit log that drops everything (tests that do not look at audit). */
    AuditLog NOOP = (event, outcome, fields) -> { };
}
