package io.edgeauth.broker.http;

import io.edgeauth.broker.revocation.RevocationChecker;
import io.edgeauth.broker.token.TokenRejectedException;
import io.edgeauth.broker.token.TokenVerifier;
import io.edgeauth.broker.token.VerifiedToken;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * Authenticates a wallet session's bearer access token (from {@code /siwe/login} or its refresh): a
 * token we (or a trusted issuer) signed, in force (not revoked), whose subject is a wallet DID
 * ({@code did:pkh:...}). Device tokens are refused with 403 {@code insufficient_scope}. Thread-safe.
 */
final class WalletBearer {
    /** The authenticated wallet: its DID and the tenant its token belongs to. */
    record Caller(String did, String tenant, VerifiedToken token) { }

    private final TokenVerifier verifier;
    private final RevocationChecker revocations;
    private final Function<String, String> tenantOfIssuer;

    WalletBearer(TokenVerifier verifier, RevocationChecker revocations, Function<String, String> tenantOfIssuer) {
        this.verifier = verifier;
        this.revocations = revocations;
        this.tenantOfIssuer = tenantOfIssuer;
    }

    /** The wallet caller, or null after answering 401 (no or bad token) or 403 (not a wallet token). */
    Caller require(RoutingContext ctx, String what) {
        String bearer = OAuthApi.bearer(ctx);
        if (bearer == null || bearer.isEmpty()) {
            HttpErrors.send(ctx, 401, "invalid_token", what + " needs the wallet's bearer access token (POST /siwe/login)");
            return null;
        }
        VerifiedToken token;
        try {
            token = verifier.verify(bearer.getBytes(StandardCharsets.US_ASCII));
        } catch (TokenRejectedException e) {
            HttpErrors.send(ctx, 401, "invalid_token", e.reason().code() + ": " + e.getMessage());
            return null;
        }
        if (revocations.check(token).isPresent()) {
            HttpErrors.send(ctx, 401, "invalid_token", "token revoked");
            return null;
        }
        String tenant = tenantOfIssuer.apply(token.issuer());
        if (tenant == null || token.tenantId() != null && !token.tenantId().equals(tenant)) {
            HttpErrors.send(ctx, 401, "invalid_token", "issuer is not trusted for this tenant");
            return null;
        }
        String sub = token.subject();
        if (sub == null || !sub.startsWith("did:pkh:") || token.actor() != null) {
            HttpErrors.send(ctx, 403, "insufficient_scope", what + " is for wallet sessions (sub did:pkh:...), not device tokens");
            return null;
        }
        return new Caller(sub, tenant, token);
    }
}
