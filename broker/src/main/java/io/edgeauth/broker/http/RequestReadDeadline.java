package io.edgeauth.broker.http;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * {@code http.requestReadTimeout}: a request's body must arrive whole within it of the request's headers, or its
 * connection is closed. The idle timeout alone did not bound a body: every byte restarts it, so a client sending a
 * byte a minute held its connection (and a file descriptor) for as long as it liked. (Headers need no such deadline:
 * the servers time idleness from the last decoded part, so a request's headers must come within the idle timeout.)
 * A streamed import's body ({@code POST /admin/devices:bulk}) is exempt while its handler reads it: it may take minutes,
 * and the idle timeout between its reads bounds it; answered early (no admin credential), its remaining body gets the
 * deadline. The deadline stops once the body is read, so a slow answer is never cut.
 */
final class RequestReadDeadline implements Handler<RoutingContext> {
    private final Vertx vertx;
    private final long timeoutMillis;
    private final Predicate<RoutingContext> streaming;
    private final AtomicLong cut = new AtomicLong();

    RequestReadDeadline(Vertx vertx, long timeoutMillis, Predicate<RoutingContext> streaming) {
        this.vertx = vertx;
        this.timeoutMillis = timeoutMillis;
        this.streaming = streaming;
    }

    @Override
    public void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        if (request.isEnded()) {
            ctx.next();
            return;
        }
        if (streaming.test(ctx)) {
            // exempt while its handler reads it; answered before the body ended (a 401 to a caller without the admin
            // credential, an aborted import), the rest of the body gets the deadline like any other
            ctx.addEndHandler(done -> {
                if (!request.isEnded()) {
                    deadline(request);
                }
            });
        } else {
            long timer = deadline(request);
            // an early answer (401, 413) while the body still comes keeps the deadline running
            ctx.addEndHandler(done -> {
                if (request.isEnded()) {
                    vertx.cancelTimer(timer);
                }
            });
        }
        ctx.next();
    }

    /** Closes the request's connection unless its body has ended within the timeout; on the request's event loop. */
    private long deadline(HttpServerRequest request) {
        return vertx.setTimer(timeoutMillis, t -> {
            if (!request.isEnded()) {
                cut.incrementAndGet();
                request.connection().close();
            }
        });
    }

    /** {@code edgeauth_http_requests_cut_total}: connections closed because a body did not arrive in time. */
    void register(MeterRegistry meters) {
        FunctionCounter.builder("edgeauth.http.requests.cut", cut, AtomicLong::get)
                .description("HTTP connections closed: a request body not read whole within http.requestReadTimeout")
                .register(meters);
    }
}
