package io.edgeauth.broker.http;

import io.edgeauth.broker.json.StrictJson;
import io.edgeauth.broker.refusal.ClientText;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** JSON request bodies for the wallet and device endpoints; an absent body is handled, not a 500. */
final class JsonBodies {
    private JsonBodies() {
    }

    /**
     * The JSON object body, or null after answering 400 (an empty body too), or 415 for a body declared as another
     * media type (curl's {@code -d} sends {@code application/x-www-form-urlencoded}: the contract's JSON is
     * {@code application/json}). A body without a content type is read as JSON. A key named twice in one object is
     * refused ({@link StrictJson}).
     */
    static JsonObject required(RoutingContext ctx) {
        String type = ctx.request().getHeader("content-type");
        if (type != null && !isJson(type)) {
            HttpErrors.unsupportedType(ctx, "application/json", type);
            return null;
        }
        Buffer b = ctx.body().buffer();
        if (b == null || b.length() == 0) {
            HttpErrors.send(ctx, 400, "invalid_request", "body must be a JSON object");
            return null;
        }
        try {
            if (StrictJson.decode(b) instanceof JsonObject o) {
                return o;
            }
            HttpErrors.send(ctx, 400, "invalid_request", "body must be a JSON object");
        } catch (StrictJson.DuplicateKeyException e) {
            HttpErrors.send(ctx, 400, "invalid_request", "duplicate key '"
                    + ClientText.cut(e.key(), 64) + "' (a key may appear once in a JSON object)");
        } catch (io.vertx.core.json.DecodeException e) {
            HttpErrors.send(ctx, 400, "invalid_request", "body is not valid JSON");
        }
        return null;
    }

    /** {@code application/json} or a {@code +json} type, parameters (charset) aside. */
    /**
     * {@code value} as a whole number written without a fraction or exponent ({@code 3600}, not {@code 3600.0} or
     * {@code 3.6e3}), as the config reads whole numbers; null for anything else (a fraction was cut in silence).
     */
    static Long wholeNumber(Object value) {
        return value instanceof Integer || value instanceof Long ? ((Number) value).longValue() : null;
    }

    static boolean isJson(String contentType) {
        int semicolon = contentType.indexOf(';');
        String media = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip()
                .toLowerCase(java.util.Locale.ROOT);
        return media.equals("application/json") || media.endsWith("+json");
    }

    /**
     * Whether {@code body} holds only {@code fields}; else answers 400 {@code unknown field '<name>' (<what> holds
     * ...)} and returns false. A misspelt field dropped in silence is replaced by its default ({"tenat": "acme"}
     * rotated the default tenant's key): every JSON endpoint refuses it, in the words devices and fleet CAs use.
     */
    static boolean onlyFields(RoutingContext ctx, JsonObject body, java.util.List<String> fields, String what) {
        for (String field : body.fieldNames()) {
            if (!fields.contains(field)) {
                HttpErrors.send(ctx, 400, "invalid_request", unknownField(field, fields, what));
                return false;
            }
        }
        return true;
    }

    /** {@code unknown field '<name>' (<what> holds a, b)}, the client's name cut to 64 characters. */
    static String unknownField(String field, java.util.List<String> fields, String what) {
        return "unknown field '" + ClientText.cut(field, 64) + "' (" + what
                + (fields.isEmpty() ? " has no fields" : " holds " + String.join(", ", fields)) + ")";
    }

    /** The JSON object body, an empty object when there is no body, or null after answering 400. */
    static JsonObject optional(RoutingContext ctx) {
        Buffer b = ctx.body().buffer();
        return b == null || b.length() == 0 ? new JsonObject() : required(ctx);
    }
}
