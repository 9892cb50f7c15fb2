package io.edgeauth.broker.http;

import io.edgeauth.broker.audit.AuditLog;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The audit log of one admin request: every event it records names the request's source address ({@code remote},
 * in the format of {@link io.edgeauth.broker.audit.AuditAddress}, as {@code admin.refused} does), so that a change in
 * the trail says from where it was made, not only what (the admin credential is shared: the address is the only
 * "who" there is). The one place that adds it; the admin handlers record through {@link #of}. Thread-safe.
 */
final class AdminAudit implements AuditLog {
    private final AuditLog audit;
    private final String remote;

    private AdminAudit(AuditLog audit, String remote) {
        this.audit = audit;
        this.remote = remote;
    }

    /** {@code audit} for the request {@code ctx}: its events get {@code remote} (unless they name one already). */
    static AuditLog of(RoutingContext ctx, AuditLog audit) {
        return forRequest(ctx).apply(audit);
    }

    /** What {@link #of} does, for code that holds its own audit log (bulk import, TLS reloads). */
    static java.util.function.UnaryOperator<AuditLog> forRequest(RoutingContext ctx) {
        String remote = TokenEndpointRefusals.remote(ctx);
        return audit -> new AdminAudit(audit, remote);
    }

    @Override
    public void record(String event, String outcome, Map<String, ?> fields) {
        audit.record(event, outcome, withRemote(fields));
    }

    @Override
    public CompletableFuture<Void> recordAsync(String event, String outcome, Map<String, ?> fields) {
        return audit.recordAsync(event, outcome, withRemote(fields));
    }

    private Map<String, ?> withRemote(Map<String, ?> fields) {
        if (remote == null || fields.containsKey("remote")) {
            return fields;
        }
        Map<String, Object> out = new LinkedHashMap<>(fields);
        out.put("remote", remote);
        return out;
    }
}
