package io.edgeauth.broker.mqtt;

import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.policy.GeoPolicy;
import io.edgeauth.broker.policy.RatePlan;
import io.edgeauth.broker.policy.rate.LocalRateLimits;
import io.edgeauth.broker.router.TopicRouter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** A started edge with the test pipeline on ephemeral ports; close() stops everything. */
final class EdgeFixture implements AutoCloseable {
    static final RatePlan TIGHT = new RatePlan("tight", 2, 5, 1_000_000);
    /** Three messages, then one every 100 s: a budget that visibly does not refill during a test. */
    static final RatePlan SLOW = new RatePlan("slow", 0.01, 3, 1_000_000);
    /** 100 messages/s but 1000 bytes/s: a budget the size of a message decides. */
    static final RatePlan BYTES = new RatePlan("bytes", 100, 100, 1000);
    static final RatePlan GENEROUS = new RatePlan("default", 100_000, 100_000, 1_000_000_000L);

    record AuditEvent(String event, String outcome, Map<String, ?> fields) {
    }

    final Vertx vertx = Vertx.vertx();
    final TestPipeline pipeline = new TestPipeline();
    final TestRevocations revocations = new TestRevocations();
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final TopicRouter router = new TopicRouter(1000, r -> { });
    final List<AuditEvent> audit = new CopyOnWriteArrayList<>();
    final MqttEdge edge;

    EdgeFixture(MqttSettings settings) throws Exception {
        this(settings, LocalRateLimits.Settings.defaults());
    }

    EdgeFixture(MqttSettings settings, LocalRateLimits.Settings rates) throws Exception {
        this(settings, rates, io.edgeauth.broker.admission.AdmissionControl.unlimited());
    }

    EdgeFixture(MqttSettings settings, LocalRateLimits.Settings rates,
                io.edgeauth.broker.admission.AdmissionControl admission) throws Exception {
        this(settings, rates, admission, e -> e);
    }

    /** An edge that {@code beforeStart} configures further (a session journal) before it starts. */
    EdgeFixture(MqttSettings settings, java.util.function.UnaryOperator<MqttEdge> beforeStart) throws Exception {
        this(settings, LocalRateLimits.Settings.defaults(), io.edgeauth.broker.admission.AdmissionControl.unlimited(),
                beforeStart);
    }

    private EdgeFixture(MqttSettings settings, LocalRateLimits.Settings rates,
                        io.edgeauth.broker.admission.AdmissionControl admission,
                        java.util.function.UnaryOperator<MqttEdge> beforeStart) throws Exception {
        AuditLog log = (event, outcome, fields) -> audit.add(new AuditEvent(event, outcome, fields));
        edge = new MqttEdge(vertx, settings, pipeline, revocations, revocations, new LocalRateLimits(rates),
                name -> "tight".equals(name) ? TIGHT : "slow".equals(name) ? SLOW : "bytes".equals(name) ? BYTES : GENEROUS, router, log, meters)
                .geoPolicy(new GeoPolicy("")).admission(admission);
        beforeStart.apply(edge);
        edge.start().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    int port() {
        return edge.port();
    }

    double counter(String name, String... tags) {
        var c = meters.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    @Override
    public void close() throws Exception {
        edge.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
