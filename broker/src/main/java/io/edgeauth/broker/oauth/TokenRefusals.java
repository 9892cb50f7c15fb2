package io.edgeauth.broker.oauth;

import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Token-endpoint refusals no grant service audits (decided by the endpoint before client authentication: an
 * unreadable form, a missing or unsupported grant, a missing parameter; and token exchange's): each is one
 * {@code token.refused} event with the source address, counted in {@code edgeauth.tokens.refused} as the services'
 * own refusals are. The grant label is one of a fixed few ({@code other} for anything else), never the client's
 * text. Thread-safe.
 */
public final class TokenRefusals {
    private final AuditLog audit;
    private final MeterRegistry meters;

    public TokenRefusals(AuditLog audit, MeterRegistry meters) {
        this.audit = audit;
        this.meters = meters;
    }

    /** Audits and counts {@code e} unless its one event is written already (by the grant's service). */
    public void refused(String grant, TokenChannel channel, TokenRejectedException e) {
        if (!e.isAudited()) {
            refused(grant, channel, e.reason(), e.auditDetail());
            e.audited();
        }
    }

    public void refused(String grant, TokenChannel channel, RejectionReason reason, String detail) {
        String label = label(grant);
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("grant", label);
        fields.put("channel", channel.name());
        fields.put("remote", channel.remote());
        fields.put("detail", detail);
        audit.record("token.refused", reason.code(), fields);
        meters.counter("edgeauth.tokens.refused", "grant", label, "reason", reason.code()).increment();
    }

    private static String label(String grant) {
        if (grant == null) {
            return "other";
        }
        return switch (grant) {
            case "client_credentials", "refresh_token" -> grant;
            case TokenExchangeService.GRANT -> "token_exchange";
            default -> "other";
        };
    }
}
