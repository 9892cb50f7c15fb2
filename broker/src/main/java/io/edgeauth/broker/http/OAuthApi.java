package io.edgeauth.broker.http;

import io.edgeauth.broker.admin.AdminCredential;
import io.edgeauth.broker.provisioning.DeviceEnrollment;
import io.edgeauth.broker.oauth.TokenExchangeService;
import io.edgeauth.broker.revocation.Revocation;
import io.edgeauth.broker.revocation.RevocationChecker;
import io.edgeauth.broker.revocation.RevocationService;
import io.edgeauth.broker.token.IssuedToken;
import io.edgeauth.broker.token.RejectionReason;
import io.edgeauth.broker.token.TokenFormat;
import io.edgeauth.broker.token.TokenRejectedException;
import io.edgeauth.broker.token.TokenVerifier;
import io.edgeauth.broker.token.VerifiedToken;
import io.edgeauth.broker.wallet.WalletSessions;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The OAuth 2.0 endpoints: {@code /oauth/token} (client_credentials with RFC 7523 assertions,
 * refresh_token, RFC 8693 token exchange), {@code /oauth/introspect} (RFC 7662) and
 * {@code /oauth/revoke} (RFC 7009). Errors follow RFC 6749 §5.2.
 */
final class OAuthApi {
    static final String ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    private final DeviceEnrollment devices;
    private final WalletSessions wallets;
    private final TokenExchangeService exchange;
    private final TokenVerifier verifier;
    private final RevocationChecker revocationChecker;
    private final RevocationService revocations;
    private final AdminCredential admin;

    OAuthApi(DeviceEnrollment devices, WalletSessions wallets, TokenExchangeService exchange, TokenVerifier verifier,
             RevocationService revocations, AdminCredential admin) {
        this.devices = devices;
        this.wallets = wallets;
        this.exchange = exchange;
        this.verifier = verifier;
        this.revocationChecker = revocations;
        this.revocations = revocations;
        this.admin = admin;
    }

    void mount(Router router) {
        router.post("/oauth/token").handler(this::token);
        router.post("/oauth/introspect").handler(this::introspect);
        router.post("/oauth/revoke").handler(this::revoke);
    }

    private void token(RoutingContext ctx) {
        MultiMap form = form(ctx);
        if (form == null) {
            return;
        }
        TokenFormat format;
        try {
            format = TokenFormat.parse(form.get("token_format"));
        } catch (IllegalArgumentException e) {
            HttpErrors.send(ctx, 400, "invalid_request", e.getMessage());
            return;
        }
        String grant = form.get("grant_type");
        if (grant == null) {
            HttpErrors.send(ctx, 400, "invalid_request", "grant_type is required");
            return;
        }
        switch (grant) {
            case "client_credentials" -> clientCredentials(ctx, form, format);
            case "refresh_token" -> refresh(ctx, form, format);
            case TokenExchangeService.GRANT -> exchange(ctx, form, format);
            default -> HttpErrors.send(ctx, 400, "unsupported_grant_type",
                    "supported: client_credentials, refresh_token, " + TokenExchangeService.GRANT);
        }
    }

    private void clientCredentials(RoutingContext ctx, MultiMap form, TokenFormat format) {
        if (!ASSERTION_TYPE.equals(form.get("client_assertion_type")) || form.get("client_assertion") == null) {
            HttpErrors.send(ctx, 400, "invalid_request", "client_credentials needs client_assertion_type="
                    + ASSERTION_TYPE + " and a client_assertion (RFC 7523 private_key_jwt)");
            return;
        }
        try {
            IssuedToken token = devices.issue(form.get("client_assertion"), format, form.get("scope"), "http");
            HttpErrors.json(ctx, 200, tokenResponse(token, form.get("scope")));
        } catch (TokenRejectedException e) {
            int status = e.reason() == RejectionReason.INTERNAL_ERROR ? 500 : 401;
            HttpErrors.send(ctx, status, status == 500 ? "server_error" : "invalid_client",
                    e.reason().code() + ": " + e.getMessage());
        }
    }

    private void refresh(RoutingContext ctx, MultiMap form, TokenFormat format) {
        String presented = form.get("refresh_token");
        if (presented == null) {
            HttpErrors.send(ctx, 400, "invalid_request", "refresh_token is required");
            return;
        }
        wallets.refresh(presented, format).ifPresentOrElse(
                pair -> HttpErrors.json(ctx, 200, tokenResponse(pair.access(), null).put("refresh_token", pair.refresh())),
                () -> HttpErrors.send(ctx, 400, "invalid_grant", "refresh token is invalid, expired or revoked"));
    }

    private void exchange(RoutingContext ctx, MultiMap form, TokenFormat format) {
        String subject = form.get("subject_token");
        String subjectType = form.get("subject_token_type");
        String actor = form.get("actor_token");
        if (subject == null || subjectType == null || !subjectType.startsWith("urn:ietf:params:oauth:token-type:")
                || actor != null && form.get("actor_token_type") == null) {
            HttpErrors.send(ctx, 400, "invalid_request",
                    "token exchange needs subject_token and subject_token_type (and actor_token_type with actor_token)");
            return;
        }
        try {
            IssuedToken token = exchange.exchange(subject, actor, form.get("scope"), format);
            HttpErrors.json(ctx, 200, tokenResponse(token, form.get("scope"))
                    .put("issued_token_type", TokenExchangeService.ACCESS_TOKEN_TYPE));
        } catch (TokenRejectedException e) {
            String error = e.reason() == RejectionReason.FORBIDDEN ? "invalid_scope" : "invalid_grant";
            HttpErrors.send(ctx, 400, error, e.reason().code() + ": " + e.getMessage());
        }
    }

    static JsonObject tokenResponse(IssuedToken token, String scope) {
        JsonObject o = new JsonObject()
                .put("access_token", token.asText())
                .put("token_type", "Bearer")
                .put("expires_in", token.expiresInSeconds());
        if (token.format() == TokenFormat.CWT) {
            o.put("token_format", "cwt");
        }
        if (scope != null && !scope.isBlank()) {
            o.put("scope", scope.trim());
        }
        return o;
    }

    /** RFC 7662: callers authenticate with the admin credential or a token carrying scope {@code introspect}. */
    private void introspect(RoutingContext ctx) {
        if (!callerMayIntrospect(ctx)) {
            HttpErrors.send(ctx, 401, "invalid_client", "introspection needs the admin credential or a token with scope introspect");
            return;
        }
        String token = tokenParameter(ctx);
        if (token == null) {
            return;
        }
        Optional<VerifiedToken> active = activeToken(token);
        if (active.isEmpty()) {
            HttpErrors.json(ctx, 200, new JsonObject().put("active", false));
            return;
        }
        VerifiedToken t = active.get();
        JsonObject o = new JsonObject().put("active", true).put("token_type", "Bearer")
                .put("iss", t.issuer()).put("sub", t.subject()).put("client_id", t.subject())
                .put("exp", t.expiresAt().getEpochSecond()).put("iat", t.issuedAt().getEpochSecond());
        if (!t.audience().isEmpty()) {
            o.put("aud", new JsonArray(t.audience()));
        }
        putIfPresent(o, "nbf", t.notBefore() == null ? null : t.notBefore().getEpochSecond());
        putIfPresent(o, "jti", t.tokenId());
        putIfPresent(o, "tenant_id", t.tenantId());
        putIfPresent(o, "region", t.region());
        putIfPresent(o, "owner", t.owner());
        if (!t.scope().isEmpty()) {
            o.put("scope", String.join(" ", t.scope()));
        }
        if (!t.geo().isEmpty()) {
            o.put("geo", new JsonArray(t.geo()));
        }
        if (t.actor() != null) {
            o.put("act", new JsonObject().put("sub", t.actor()));
        }
        if (!t.cnf().isEmpty()) {
            JsonObject cnf = new JsonObject();
            putIfPresent(cnf, "x5t#S256", t.cnf().x5tS256());
            putIfPresent(cnf, "jkt", t.cnf().jkt());
            o.put("cnf", cnf);
        }
        o.put("token_format", t.format().name().toLowerCase());
        HttpErrors.json(ctx, 200, o);
    }

    /**
     * RFC 7009: the admin revokes any token; a holder revokes its own (the bearer and the token share a
     * subject). Refresh tokens end their whole family. Unknown or invalid tokens still answer 200.
     */
    private void revoke(RoutingContext ctx) {
        String token = tokenParameter(ctx);
        if (token == null) {
            return;
        }
        boolean isAdmin = admin.matches(bearer(ctx));
        Optional<VerifiedToken> caller = isAdmin ? Optional.empty() : activeToken(bearer(ctx));
        if (!isAdmin && caller.isEmpty()) {
            HttpErrors.send(ctx, 401, "invalid_client", "revocation needs the admin credential or the holder's own bearer token");
            return;
        }
        if (token.startsWith("rt_")) {
            wallets.revokeRefreshToken(token, isAdmin ? null : caller.get().subject());
        } else {
            Optional<VerifiedToken> target = activeToken(token);
            if (target.isPresent() && target.get().tokenId() != null
                    && (isAdmin || caller.get().subject().equals(target.get().subject()))) {
                revocations.revoke(Revocation.Kind.JTI, target.get().tokenId(), "revoked by " + (isAdmin ? "admin" : "holder"));
            }
        }
        ctx.response().setStatusCode(200).putHeader("cache-control", "no-store").end();
    }

    /** The {@code token} form parameter of introspection and revocation, or null after answering 400. */
    private static String tokenParameter(RoutingContext ctx) {
        MultiMap form = form(ctx);
        if (form == null) {
            return null;
        }
        String token = form.get("token");
        if (token == null) {
            HttpErrors.send(ctx, 400, "invalid_request", "token is required");
        }
        return token;
    }

    private boolean callerMayIntrospect(RoutingContext ctx) {
        String bearer = bearer(ctx);
        if (admin.matches(bearer)) {
            return true;
        }
        return activeToken(bearer).map(t -> t.scope().contains("introspect")).orElse(false);
    }

    private Optional<VerifiedToken> activeToken(String text) {
        if (text == null || text.isEmpty()) {
            return Optional.empty();
        }
        try {
            VerifiedToken t = verifier.verify(text.getBytes(StandardCharsets.US_ASCII));
            return revocationChecker.check(t).isPresent() ? Optional.empty() : Optional.of(t);
        } catch (TokenRejectedException e) {
            return Optional.empty();
        }
    }

    static String bearer(RoutingContext ctx) {
        String header = ctx.request().getHeader("authorization");
        return header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : null;
    }

    private static MultiMap form(RoutingContext ctx) {
        String type = ctx.request().getHeader("content-type");
        if (type == null || !type.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
            HttpErrors.send(ctx, 400, "invalid_request", "expected application/x-www-form-urlencoded");
            return null;
        }
        return ctx.request().formAttributes();
    }

    private static void putIfPresent(JsonObject o, String key, Object value) {
        if (value != null) {
            o.put(key, value);
        }
    }
}
