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
    /**
     * The histogram's buckets: 14 fixed bounds from 0.5 ms to 10 s rather than Micrometer's percentile histogram, whose
     * 69 buckets per route and status made a few hundred lines of {@code /metrics} per series to scrape and keep.
     */
    static final java.time.Duration[] BUCKETS = java.util.stream.LongStream.of(500, 1_000, 2_000, 5_000, 10_000, 25_000,
            50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000)
            .mapToObj(java.time.Duration::ofNanos).map(d -> d.multipliedBy(1_000)).toArray(java.time.Duration[]::new);
    /** The methods named in the label; any other (a client may send any token) is {@code other}. */
    private static final java.util.Set<String> METHODS = java.util.Set.of("GET", "POST", "PUT", "DELETE", "PATCH",
            "HEAD", "OPTIONS");
    private final MeterRegistry meters;
    /**
     * The timers by method, route and status: a builder's {@code register} per request cost a registry look-up with
     * its id's tags sorted and names checked (about 1 % of a token request's CPU). Bounded: routes are named, methods
     * and statuses few.
     */
    private final java.util.concurrent.ConcurrentHashMap<String, Timer> timers = new java.util.concurrent.ConcurrentHashMap<>();

    HttpRequestMetrics(MeterRegistry meters) {
        this.meters = meters;
    }

    @Override
    public void handle(RoutingContext ctx) {
        long start = System.nanoTime();
        ctx.addEndHandler(done -> timer(ctx).record(System.nanoTime() - start, TimeUnit.NANOSECONDS));
        ctx.next();
    }

    private Timer timer(RoutingContext ctx) {
        String method = ctx.request().method().name();
        String label = METHODS.contains(method) ? method : "other";
        String route = routeOf(ctx);
        String status = Integer.toString(ctx.response().getStatusCode());
        return timers.computeIfAbsent(label + ' ' + status + ' ' + route, k -> Timer.builder("edgeauth.http.requests")
                .description("HTTP requests by route and status, from routing to the response's end")
                .tag("method", label)
                .tag("route", route)
                .tag("status", status)
                .serviceLevelObjectives(BUCKETS)
                .register(meters));
    }

    private static String routeOf(RoutingContext ctx) {
        Route route = ctx.currentRoute();
        String name = route == null ? null : route.getName();
        if (name == null || name.isEmpty() || name.startsWith("edgeauth:")) {
            return ctx.response().getStatusCode() == 503 ? "shed" : "unmatched";
        }
        // a prefix route ("/admin/*", the admin check that answers 401) is named by Vert.x without its star
        return name.length() > 1 && name.endsWith("/") ? name + "*" : name;
    }
}
