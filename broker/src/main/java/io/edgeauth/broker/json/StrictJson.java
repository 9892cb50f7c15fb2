package io.edgeauth.broker.json;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.jackson.JacksonCodec;

/**
 * Decodes a client's JSON text to Vert.x values ({@link io.vertx.core.json.JsonObject}, {@link
 * io.vertx.core.json.JsonArray}, ...) as {@link io.vertx.core.json.Json#decodeValue} does, but refuses a key named
 * twice in one object, at any depth. JSON leaves duplicates to the reader (RFC 8259 §4: names "SHOULD be unique")
 * and Jackson keeps the last, while a proxy, a log reader or a second parser may keep the first: the same ambiguity
 * for which the form endpoints refuse a repeated parameter (RFC 6749 §3.2) and the config loader a repeated key.
 * Stateless.
 */
public final class StrictJson {
    private static final String DUPLICATE = "Duplicate field '";

    private StrictJson() {
    }

    /** A key named twice in one object; {@link #key()} is the client's text, cut by the caller before echoing. */
    public static final class DuplicateKeyException extends DecodeException {
        private final String key;

        DuplicateKeyException(String key) {
            super("duplicate key '" + key + "'");
            this.key = key;
        }

        public String key() {
            return key;
        }
    }

    /** The value of {@code text}; throws {@link DuplicateKeyException}, or {@link DecodeException} for bad JSON. */
    public static Object decode(Buffer text) {
        return decode(JacksonCodec.createParser(text));
    }

    /** As {@link #decode(Buffer)}, for a string. */
    public static Object decode(String text) {
        return decode(JacksonCodec.createParser(text));
    }

    private static Object decode(JsonParser parser) {
        parser.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        try {
            return JacksonCodec.fromParser(parser, Object.class); // closes the parser, refuses trailing tokens
        } catch (DecodeException e) {
            // Jackson's DupDetector reports exactly "Duplicate field '<name>'" (JsonReadContext._checkDup)
            String message = e.getCause() instanceof JsonParseException p ? p.getOriginalMessage() : null;
            if (message != null && message.startsWith(DUPLICATE) && message.endsWith("'")) {
                throw new DuplicateKeyException(message.substring(DUPLICATE.length(), message.length() - 1));
            }
            throw e;
        }
    }
}
