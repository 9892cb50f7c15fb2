package io.edgeauth.broker.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** JSON request bodies for the wallet and device endpoints; an absent body is handled, not a 500. */
final class JsonBodies {
    private JsonBodies() {
    }

    /** The JSON object body, or null after answering 400 (an empty body too). */
    static JsonObject required(RoutingContext ctx) {
        Buffer b = ctx.body().buffer();
        if (b == null || b.length() == 0) {
            HttpErrors.send(ctx, 400, "invalid_request", "body must be a JSON object");
            return null;
        }
        try {
            if (io.vertx.core.json.Json.decodeValue(b) instanceof JsonObject o) {
                return o;
            }
            HttpErrors.send(ctx, 400, "invalid_request", "body must be a JSON object");
        } catch (io.vertx.core.json.DecodeException e) {
            HttpErrors.send(ctx, 400, "invalid_request", "body is not valid JSON");
        }
        return null;
    }

    /** The JSON object body, an empty object when there is no body, or null after answering 400. */
    static JsonObject optional(RoutingContext ctx) {
        Buffer b = ctx.body().buffer();
        return b == null || b.length() == 0 ? new JsonObject() : required(ctx);
    }
}
