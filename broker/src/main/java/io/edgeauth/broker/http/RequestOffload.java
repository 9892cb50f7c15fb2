package io.edgeauth.broker.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Handler;
import io.vertx.core.WorkerExecutor;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Moves the rest of a request's route chain off the event loop onto a bounded worker pool, so
 * signatures, assertion checks and store commits (which wait for a group commit) never stall the loop
 * that accepts and parses requests. Sheds load before the queue grows: when {@code maxPending}
 * requests are already waiting or running, a new one gets 503 with {@code Retry-After} (RFC 9110
 * §10.2.3), which the device SDK honours with jittered backoff. Thread-safe.
 */
final class RequestOffload implements Handler<RoutingContext> {
    private final WorkerExecutor workers;
    private final int maxPending;
    private final String retryAfterSeconds;
    private final AtomicInteger pending = new AtomicInteger();
    private final Counter shed;

    RequestOffload(WorkerExecutor workers, int maxPending, int retryAfterSeconds, MeterRegistry meters) {
        this.workers = workers;
        this.maxPending = maxPending;
        this.retryAfterSeconds = Integer.toString(retryAfterSeconds);
        this.shed = Counter.builder("edgeauth.http.shed").description("HTTP requests refused with 503: worker queue full")
                .register(meters);
        io.micrometer.core.instrument.Gauge.builder("edgeauth.http.pending", pending, Number::doubleValue)
                .description("HTTP requests waiting or running (http.maxPendingRequests)").register(meters);
    }

    @Override
    public void handle(RoutingContext ctx) {
        if (pending.incrementAndGet() > maxPending) {
            pending.decrementAndGet();
            shed.increment();
            refuse(ctx);
            return;
        }
        // the worker runs the remaining handlers itself (not through blockingHandler, whose next()
        // hops back to the event loop and would run the endpoint there)
        workers.executeBlocking(() -> {
            try {
                ctx.next();
            } finally {
                pending.decrementAndGet();
            }
            return null;
        }, false).onFailure(ctx::fail);
    }

    private void refuse(RoutingContext ctx) {
        ctx.response().setStatusCode(503).putHeader("retry-after", retryAfterSeconds)
                .putHeader("content-type", "application/json").putHeader("cache-control", "no-store")
                .end("{\"error\":\"temporarily_unavailable\",\"error_description\":\"server busy, retry after "
                        + retryAfterSeconds + " s\"}");
    }

    /** Requests waiting for or running on a worker now. */
    int pending() {
        return pending.get();
    }
}
