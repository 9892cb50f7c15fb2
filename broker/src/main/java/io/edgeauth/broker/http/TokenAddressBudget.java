package io.edgeauth.broker.http;

import io.edgeauth.broker.policy.rate.TokenRequestLimits;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code /oauth/token}'s per-source-address bound ({@code tokenRequests.perAddressPerMinute}, shared with CoAP
 * {@code /token}): every request counts, whatever its grant or outcome, before anything of it is read; one over the
 * bound is answered 429 {@code slow_down} with the real wait as {@code Retry-After} and audited as
 * {@code token.refused} {@code rate_limited} (grant {@code other}). The per-device bound is taken by the device grant
 * itself, once the device authenticated. Thread-safe.
 */
final class TokenAddressBudget implements Handler<RoutingContext> {
    private final TokenRequestLimits limits;
    private final TokenEndpointRefusals refusals;

    TokenAddressBudget(TokenRequestLimits limits, TokenEndpointRefusals refusals) {
        this.limits = limits;
        this.refusals = refusals;
    }

    @Override
    public void handle(RoutingContext ctx) {
        try {
            limits.takeRequest(ClientAddresses.inetOf(ctx));
        } catch (TokenRejectedException e) {
            HttpRefusals.send(ctx, e, HttpRefusals.Where.CLIENT_AUTHENTICATION);
            refusals.refused(ctx, null, e);
            return;
        }
        ctx.next();
    }
}
