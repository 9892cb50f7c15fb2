package io.edgeauth.broker.http;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Error responses in the RFC 6749 §5.2 shape {@code {error, error_description}}, used by every endpoint. */
public final class HttpErrors {
    private HttpErrors() {
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
        if (status == 401) {
            ctx.response().putHeader("www-authenticate", "Bearer error=\"" + error + "\"");
        }
        ctx.response().end(body.encode());
    }

    public static void json(RoutingContext ctx, int status, Object body) {
        ctx.response().setStatusCode(status)
                .putHeader("content-type", "application/json")
                .putHeader("cache-control", "no-store")
                .end(body instanceof JsonObject j ? j.encode() : io.vertx.core.json.Json.encode(body));
    }
}
