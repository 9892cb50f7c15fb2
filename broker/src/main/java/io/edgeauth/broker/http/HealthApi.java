package io.edgeauth.broker.http;

import io.edgeauth.broker.health.HealthChecks;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.function.Supplier;

/**
 * Health endpoints the way orchestrators probe them:
 * <ul>
 *   <li>{@code GET /health/live}: 200 while the process serves HTTP at all (answered on the event loop, before
 *       the worker queue, so a busy or degraded broker is not restarted for being busy or degraded);</li>
 *   <li>{@code GET /health/ready}: 200 when every {@link HealthChecks} check passes, else 503 with what is
 *       degraded and why (store out, session journal failing, an edge listener not bound);</li>
 *   <li>{@code GET /health}: always 200 (as before) with {@code status} UP or DEGRADED, the degraded
 *       components and the broker's facts (crypto provider, counts, listeners).</li>
 * </ul>
 */
final class HealthApi {
    private final Supplier<JsonObject> facts;
    private final HealthChecks checks;

    HealthApi(Supplier<JsonObject> facts, HealthChecks checks) {
        this.facts = facts;
        this.checks = checks;
    }

    /** The liveness route: mounted before the worker offload (see {@link HttpApi#install()}). */
    static void live(RoutingContext ctx) {
        HttpErrors.json(ctx, 200, new JsonObject().put("status", "UP"));
    }

    void mount(Router router) {
        router.get("/health/ready").handler(this::ready);
        router.get("/health").handler(this::health);
    }

    private void ready(RoutingContext ctx) {
        List<HealthChecks.Degraded> degraded = checks.degraded();
        JsonObject body = new JsonObject().put("status", degraded.isEmpty() ? "UP" : "DOWN")
                .put("checked", new JsonArray(checks.components()))
                .put("degraded", json(degraded));
        HttpErrors.json(ctx, degraded.isEmpty() ? 200 : 503, body);
    }

    private void health(RoutingContext ctx) {
        List<HealthChecks.Degraded> degraded = checks.degraded();
        JsonObject body = new JsonObject().put("status", degraded.isEmpty() ? "UP" : "DEGRADED");
        if (!degraded.isEmpty()) { // the first reason, as /health said before for a Redis outage
            body.put("reason", degraded.get(0).reason());
        }
        body.put("degraded", json(degraded));
        HttpErrors.json(ctx, 200, body.mergeIn(facts.get()));
    }

    private static JsonArray json(List<HealthChecks.Degraded> degraded) {
        JsonArray out = new JsonArray();
        degraded.forEach(d -> out.add(new JsonObject().put("component", d.component()).put("reason", d.reason())));
        return out;
    }
}
