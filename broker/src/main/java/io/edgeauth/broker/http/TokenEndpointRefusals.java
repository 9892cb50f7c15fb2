package io.edgeauth.broker.http;

import io.edgeauth.broker.audit.AuditAddress;
import io.edgeauth.broker.oauth.TokenChannel;
import io.edgeauth.broker.oauth.TokenRefusals;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;

/**
 * The refusals {@code /oauth/token} decides itself (an unreadable form, a missing or unsupported grant, a missing
 * parameter, a client authentication method it does not take) or that no grant service audits (token exchange),
 * audited and counted by {@link TokenRefusals}; before, a client guessing at the endpoint showed only as HTTP 400s.
 * Thread-safe.
 */
final class TokenEndpointRefusals {
    private final TokenRefusals refusals;

    TokenEndpointRefusals(TokenRefusals refusals) {
        this.refusals = refusals;
    }

    /** The request's source address in the audit format. */
    static String remote(RoutingContext ctx) {
        SocketAddress a = ClientAddresses.of(ctx);
        return a == null ? null : AuditAddress.of(a.hostAddress(), a.port());
    }

    /** Answers as {@link HttpErrors#send} does, then audits and counts the refusal (reason {@code malformed}). */
    void send(RoutingContext ctx, String grant, int status, String error, String description) {
        HttpErrors.send(ctx, status, error, description);
        refused(ctx, grant, RejectionReason.MALFORMED, error + ": " + description);
    }

    /** Audits and counts a refusal whose answer was sent; one the grant's service audited is not again. */
    void refused(RoutingContext ctx, String grant, TokenRejectedException e) {
        refusals.refused(grant, channel(ctx), e);
    }

    void refused(RoutingContext ctx, String grant, RejectionReason reason, String detail) {
        refusals.refused(grant, channel(ctx), reason, detail);
    }

    private static TokenChannel channel(RoutingContext ctx) {
        return new TokenChannel("http", remote(ctx));
    }
}
