package io.edgeauth.broker.http;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Handler;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.TimeUnit;

/**
 * Times every HTTP request from routing to the end of its response: {@code edgeauth_http_requests_seconds}
 * with a latency histogram by method, route (the route's pattern, never the raw path, so the series stay
 * few) and status. Thread-safe.
 */
final class HttpRequestMetrics implements Handler<RoutingContext> {
    private final MeterRegistry meters;

    HttpRequestMetrics(MeterRegistry meters) {
        this.meters = meters;
    }

    @Override
    public void handle(RoutingContext ctx) {
        long start = System.nanoTime();
        ctx.addEndHandler(done -> Timer.builder("edgeauth.http.requests")
                .description("HTTP requests by route and status, from routing to the response's end")
                .tag("method", ctx.request().method().name())
                .tag("route", routeOf(ctx))
                .tag("status", Integer.toString(ctx.response().getStatusCode()))
                .publishPercentileHistogram()
                .register(meters)
                .record(System.nanoTime() - start, TimeUnit.NANOSECONDS));
        ctx.next();
    }

    private static String routeOf(RoutingContext ctx) {
        Route route = ctx.currentRoute();
        String name = route == null ? null : route.getName();
        if (name == null || name.isEmpty() || name.startsWith("edgeauth:")) {
            return ctx.response().getStatusCode() == 503 ? "shed" : "unmatched";
        }
        return name;
    }
}
