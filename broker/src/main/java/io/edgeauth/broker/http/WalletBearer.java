package io.edgeauth.broker.http;

import io.edgeauth.broker.auth.PrincipalKind;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.token.VerifiedToken;
import io.vertx.ext.web.RoutingContext;

/**
 * Authenticates a wallet session's bearer access token (from {@code /siwe/login} or its refresh) through
 * {@link BearerTokens} (the one authentication pipeline), then requires a session the pipeline judged a wallet's,
 * acting for itself. Device tokens are refused with 403 {@code insufficient_scope}.
 * Thread-safe.
 */
final class WalletBearer {
    /** The authenticated wallet: its DID and the tenant its token belongs to. */
    record Caller(String did, String tenant, VerifiedToken token) { }

    private final BearerTokens tokens;

    WalletBearer(BearerTokens tokens) {
        this.tokens = tokens;
    }

    /** The wallet caller, or null after answering 401 (no or bad token) or 403 (not a wallet token). */
    Caller require(RoutingContext ctx, String what) {
        String bearer = BearerTokens.bearer(ctx);
        if (bearer == null || bearer.isEmpty()) {
            HttpErrors.send(ctx, 401, "invalid_token", what + " needs the wallet's bearer access token (POST /siwe/login)");
            return null;
        }
        BearerTokens.Active active;
        try {
            active = tokens.caller(ctx);
        } catch (TokenRejectedException e) {
            HttpRefusals.send(ctx, e, HttpRefusals.Where.BEARER);
            return null;
        }
        String sub = active.subject();
        // the pipeline decided the kind; a delegated (act) token acts for someone else, not as the wallet
        if (active.session().kind() != PrincipalKind.WALLET || active.token().actor() != null) {
            HttpErrors.send(ctx, 403, "insufficient_scope", what + " is for wallet sessions (sub did:pkh:...), not device tokens");
            return null;
        }
        return new Caller(sub, active.tenant(), active.token());
    }
}
