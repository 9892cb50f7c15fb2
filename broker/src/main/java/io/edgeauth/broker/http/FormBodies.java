package io.edgeauth.broker.http;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code application/x-www-form-urlencoded} bodies (the OAuth endpoints') on the event loop, and decodes
 * them where the route runs (a worker).
 *
 * <p>Why not Vert.x's {@code BodyHandler}: for a urlencoded body it switches the request to Netty's
 * {@code HttpPostRequestDecoder}, which ends every form by throwing an exception with its stack trace (one per
 * token request) and costs the event loop 20-25 µs for a 3 KB token request; Netty's {@link QueryStringDecoder}
 * decodes the same body in 6-9 µs, off the loop. The limits stay those of the body handler: the whole body at
 * most {@code maxBodyBytes} (413, checked against {@code Content-Length} first and again while reading), each
 * field at most {@value #MAX_FIELD_CHARS} characters, and {@code Expect: 100-continue} is answered as it does.
 */
final class FormBodies {
    /** Most characters of one decoded field name or value (the listener's {@code maxFormAttributeSize}). */
    static final int MAX_FIELD_CHARS = 16 * 1024;
    private static final int MAX_FIELDS = 256;
    /** The {@code error_description} of a form refused as unreadable. */
    static final String REFUSED = "request body refused: form fields are limited to 16 KiB each and must be valid"
            + " form encoding";
    private static final String BODY_KEY = "edgeauth.formBody";
    private static final String URLENCODED = "application/x-www-form-urlencoded";

    private final long maxBodyBytes;

    FormBodies(long maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    /**
     * A POST to one of {@code paths} whose content type says urlencoded form. Other routes keep the body handler,
     * so that a form posted to a JSON endpoint is still refused as a body that is not JSON.
     */
    static boolean isForm(RoutingContext ctx, java.util.Set<String> paths) {
        HttpServerRequest request = ctx.request();
        if (request.method() != HttpMethod.POST || !paths.contains(routePath(ctx.normalizedPath()))) {
            return false;
        }
        String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
        return type != null && type.regionMatches(true, 0, URLENCODED, 0, URLENCODED.length());
    }

    /**
     * {@code path} without one trailing slash: the router serves {@code /oauth/token/} as {@code /oauth/token}, so the
     * checks that pick a body reader by path must see the same path (else the form was not read: a misleading 400).
     */
    static String routePath(String path) {
        return path != null && path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    /** Gathers the body (the router has paused the request), then passes the request on. */
    void read(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        long declared = parseLength(length);
        if (declared > maxBodyBytes) {
            ctx.fail(413);
            return;
        }
        if (request.version() != HttpVersion.HTTP_1_0
                && "100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT))) {
            ctx.response().writeContinue();
        }
        Buffer body = Buffer.buffer(declared > 0 ? (int) declared : 512);
        boolean[] failed = {false};
        request.handler(chunk -> {
            if (failed[0]) {
                return;
            }
            if (body.length() + (long) chunk.length() > maxBodyBytes) {
                failed[0] = true;
                ctx.fail(413);
                return;
            }
            body.appendBuffer(chunk);
        });
        request.exceptionHandler(e -> { // a body the decoder cannot frame: the failure handler answers 400
            if (!failed[0]) {
                failed[0] = true;
                ctx.fail(e);
            }
        });
        request.endHandler(v -> {
            if (!failed[0]) {
                ctx.put(BODY_KEY, body);
                ctx.next();
            }
        });
        request.resume();
    }

    private static long parseLength(String header) {
        if (header == null || header.isEmpty()) {
            return -1;
        }
        try {
            return Long.parseLong(header);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * The form read by {@link #read}: values in order; a name with an upper-case letter is left out. Null if this
     * request's body was not read as a form.
     *
     * @throws IllegalArgumentException if it is not valid form encoding (a bad percent escape, bytes that are
     *                                  not UTF-8, a raw {@code #}), has more than {@value #MAX_FIELDS} fields, or a
     *                                  field is longer than {@value #MAX_FIELD_CHARS}
     */
    static MultiMap decode(RoutingContext ctx) {
        Buffer body = ctx.get(BODY_KEY);
        if (body == null) {
            return null;
        }
        return decode(body.toString(StandardCharsets.UTF_8));
    }

    /** " at index N" from a decoder message, or empty: the position only, never the text around it. */
    private static String at(String message) {
        java.util.regex.Matcher m = message == null ? null
                : java.util.regex.Pattern.compile("at index (\\d{1,9})").matcher(message);
        return m != null && m.find() ? " at index " + m.group(1) : "";
    }

    static MultiMap decode(String body) {
        if (body.indexOf('#') >= 0) { // the decoder would end the form there, as at a URI's fragment
            throw new IllegalArgumentException("not form encoding");
        }
        int separators = 0;
        for (int i = body.indexOf('&'); i >= 0; i = body.indexOf('&', i + 1)) {
            if (++separators >= MAX_FIELDS) { // the decoder would drop the rest without a word
                throw new IllegalArgumentException("more than " + MAX_FIELDS + " form fields");
            }
        }
        Map<String, List<String>> fields;
        try {
            fields = QueryStringDecoder.builder().hasPath(false).semicolonIsNormalChar(true).htmlQueryDecoding(true)
                    .maxParams(MAX_FIELDS).charset(StandardCharsets.UTF_8).build(body).parameters();
        } catch (IllegalArgumentException e) {
            // Netty's message quotes the whole body (tokens, refresh tokens, assertions): neither it nor the
            // exception goes on, only where the decoding failed (tour O, F0)
            throw new IllegalArgumentException("a bad percent escape or bytes that are not UTF-8"
                    + at(e.getMessage()) + ", in a body of " + body.length() + " characters");
        }
        MultiMap form = MultiMap.caseInsensitiveMultiMap();
        for (Map.Entry<String, List<String>> field : fields.entrySet()) {
            check(field.getKey());
            for (String value : field.getValue()) {
                check(value);
            }
            // OAuth names are case-sensitive (RFC 6749 §8.2) and every one these endpoints read is lower-case, so a
            // name with an upper-case letter is an unknown parameter, ignored (§3.2); kept out of Vert.x's only
            // MultiMap, which is case-insensitive, so that GRANT_TYPE is never read as grant_type
            if (field.getKey().chars().noneMatch(Character::isUpperCase)) {
                form.add(field.getKey(), field.getValue());
            }
        }
        return form;
    }

    private static void check(String text) {
        if (text.indexOf('\uFFFD') >= 0) { // what the decoders make of bytes that are not UTF-8
            throw new IllegalArgumentException("form field is not UTF-8");
        }
        if (text.length() > MAX_FIELD_CHARS) {
            throw new IllegalArgumentException("form field longer than " + MAX_FIELD_CHARS + " characters");
        }
    }
}
