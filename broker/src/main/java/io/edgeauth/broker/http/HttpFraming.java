package io.edgeauth.broker.http;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Request framing that a proxy in front may read differently from the broker (request smuggling, RFC 9112 §6.3). A
 * transfer coding other than {@code chunked} alone is answered 400 and its connection closed (§6.3, rule 4: the
 * broker decodes no other coding, and Netty would frame such a body by its {@code Content-Length} while a proxy may
 * not). A chunked request is served, and its connection closed after the answer: when it also carried a
 * {@code Content-Length}, the server "MUST close the connection after responding" (rule 3), and Netty drops that
 * header before the broker sees it, so every chunked request is treated so. Clients that keep connections alive send
 * {@code Content-Length} (the JDK's and Vert.x's clients, curl for a given body); only streamed bulk imports are
 * chunked, one request per connection anyway. A request pipelined behind such a one is never served (Vert.x reads
 * it before the first answer is written). A request with two {@code Authorization} headers is answered 400 too
 * (every endpoint read the first; another reader may take the other one).
 */
final class HttpFraming implements Handler<RoutingContext> {
    private final Set<HttpConnection> closing = ConcurrentHashMap.newKeySet();

    /** True if {@code connection} carried a request after which it closes: a later request on it must not be served. */
    boolean closing(HttpConnection connection) {
        return closing.contains(connection);
    }

    @Override
    public void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        // a credential given twice: the broker read the first, a proxy or log reader may take the other (tour Z, Z7),
        // refused as a form parameter or JSON key named twice is, before any endpoint reads it
        if (request.headers().getAll(HttpHeaders.AUTHORIZATION).size() > 1) {
            HttpErrors.send(ctx, 400, "invalid_request", "authorization: the header is given more than once; send one");
            return;
        }
        List<String> codings = request.headers().getAll(HttpHeaders.TRANSFER_ENCODING);
        if (codings.isEmpty()) {
            ctx.next();
            return;
        }
        HttpConnection connection = request.connection();
        if (closing.add(connection)) {
            connection.closeHandler(v -> closing.remove(connection));
        }
        ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
        ctx.addEndHandler(done -> closeAfterBody(ctx));
        String coding = String.join(",", codings).trim().toLowerCase(Locale.ROOT);
        if (!coding.equals("chunked") || request.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
            HttpErrors.send(ctx, 400, "invalid_request",
                    "transfer-encoding must be chunked alone, without content-length (RFC 9112 §6.3)");
            return;
        }
        ctx.next();
    }

    /**
     * Closes the request's connection once its body has been read to the end, reading and dropping what is left of it
     * for at most {@link #LINGER_MILLIS} and {@link #LINGER_BYTES} (a lingering close, as httpd and nginx do). Closed
     * at once with body bytes unread, the kernel answers what still arrives with a reset, and a client that is still
     * sending its upload loses the answer it has not read yet (tour N, N11: a wrong admin credential read as a lost
     * connection).
     */
    static void closeAfterBody(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        HttpConnection connection = request.connection();
        if (request.isEnded()) {
            connection.close();
            return;
        }
        long timer = ctx.vertx().setTimer(LINGER_MILLIS, t -> connection.close());
        long[] dropped = {0};
        try {
            request.handler(b -> {
                dropped[0] += b.length();
                if (dropped[0] > LINGER_BYTES) {
                    connection.close();
                }
            });
            request.exceptionHandler(e -> connection.close());
            request.endHandler(v -> {
                ctx.vertx().cancelTimer(timer);
                connection.close();
            });
            request.resume();
        } catch (IllegalStateException e) { // read to its end meanwhile
            ctx.vertx().cancelTimer(timer);
            connection.close();
        }
    }

    /** How long, and how much of a refused body, {@link #closeAfterBody} reads before it closes anyway. */
    static final long LINGER_MILLIS = 5_000;
    static final long LINGER_BYTES = 4L << 20;
}
