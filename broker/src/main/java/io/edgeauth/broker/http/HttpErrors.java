package io.edgeauth.broker.http;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Error responses in the RFC 6749 §5.2 shape {@code {error, error_description}}, used by every endpoint. */
public final class HttpErrors {
    private HttpErrors() {
    }

    /** 415: a body declared as {@code declared} where the endpoint reads {@code expected}. */
    static void unsupportedType(RoutingContext ctx, String expected, String declared) {
        send(ctx, 415, "invalid_request", "expected content-type " + expected + ", got "
                + io.edgeauth.broker.refusal.ClientText.cut(declared, 64));
    }

    public static void send(RoutingContext ctx, int status, String error, String description) {
        if (ctx.response().ended()) {
            return;
        }
        JsonObject body = new JsonObject().put("error", error);
        if (description != null) {
            body.put("error_description", description);
        }
        ctx.response().setStatusCode(status)
                .putHeader("content-type", "application/json")
                .putHeader("cache-control", "no-store");
        String challenge = bearerChallenge(ctx, status, error);
        if (challenge != null) {
            ctx.response().putHeader("www-authenticate", challenge);
        }
        ctx.response().end(body.encode());
    }

    /**
     * The RFC 6750 §3 challenge of a refusal about a bearer credential, or null for every other refusal. Without a
     * bearer token in the request the challenge names the scheme only (§3.1: no error code when the request had no
     * authentication information); a bad one is {@code invalid_token}, a good one without the privilege (403)
     * {@code insufficient_scope}. A client-authentication failure at the token endpoint ({@code invalid_client}) or a
     * refused SIWE login gets none: no Bearer header was used there (RFC 6749 §5.2 wants the scheme the client used;
     * the one place that is Basic answers it itself).
     */
    static String bearerChallenge(RoutingContext ctx, int status, String error) {
        if (status == 401 && "invalid_token".equals(error)) {
            String bearer = BearerTokens.bearer(ctx);
            return bearer == null || bearer.isEmpty() ? "Bearer" : "Bearer error=\"invalid_token\"";
        }
        return status == 403 && "insufficient_scope".equals(error) ? "Bearer error=\"insufficient_scope\"" : null;
    }

    /**
     * 503 with {@code Retry-After} ({@code http.retryAfterSeconds}) and RFC 6749 {@code temporarily_unavailable}:
     * the server cannot serve the request now (its store is out), the client should retry later.
     */
    public static void unavailable(RoutingContext ctx, String description) {
        if (ctx.response().ended()) {
            return;
        }
        Integer seconds = ctx.get(RETRY_AFTER_KEY);
        ctx.response().putHeader("retry-after", Integer.toString(seconds == null ? 1 : seconds));
        send(ctx, 503, "temporarily_unavailable", description);
    }

    /** Routing-context key under which {@link HttpApi} puts {@code http.retryAfterSeconds} for every request. */
    static final String RETRY_AFTER_KEY = "edgeauth.retryAfterSeconds";

    /**
     * 200 with an answer that carries tokens: {@code Cache-Control: no-store} and, as RFC 6749 §5.1 also requires,
     * {@code Pragma: no-cache} (for HTTP/1.0 caches, which ignore Cache-Control).
     */
    static void tokens(RoutingContext ctx, JsonObject body) {
        ctx.response().putHeader("pragma", "no-cache");
        json(ctx, 200, body);
    }

    public static void json(RoutingContext ctx, int status, Object body) {
        ctx.response().setStatusCode(status)
                .putHeader("content-type", "application/json")
                .putHeader("cache-control", "no-store")
                .end(body instanceof JsonObject j ? j.encode() : io.vertx.core.json.Json.encode(body));
    }
}
