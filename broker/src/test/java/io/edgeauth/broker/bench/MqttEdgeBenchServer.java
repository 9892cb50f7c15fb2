package io.edgeauth.broker.bench;

import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.auth.AuthPipeline;
import io.edgeauth.broker.auth.DeviceSession;
import io.edgeauth.broker.mqtt.MqttEdge;
import io.edgeauth.broker.mqtt.MqttSettings;
import io.edgeauth.broker.policy.RatePlan;
import io.edgeauth.broker.policy.rate.LocalRateLimits;
import io.edgeauth.broker.revocation.RevocationChecker;
import io.edgeauth.broker.router.OverflowPolicy;
import io.edgeauth.broker.router.TopicRouter;
import io.edgeauth.broker.token.TokenFormat;
import io.edgeauth.broker.token.VerifiedToken;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The MQTT edge alone in its own JVM for load runs: accept-all pipeline (tokens
 * {@code principal|tenant|seconds[|scope]}, no crypto), a generous rate plan, the real ACL, rate
 * limiter, router, bounded queues and backpressure. Prints {@code port=N pid=P} once listening and runs
 * until killed; with {@code -Dbench.meters=true} prints the meters on exit.
 *
 * <p>usage: {@code MqttEdgeBenchServer [port, default 0 = ephemeral]}
 */
public final class MqttEdgeBenchServer {
    private MqttEdgeBenchServer() {
    }

    public static void main(String[] args) throws Exception {
        org.slf4j.Logger root = org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (root instanceof ch.qos.logback.classic.Logger logback) {
            logback.setLevel(ch.qos.logback.classic.Level.WARN); // no DEBUG flood without a logback config
        }
        int bindPort = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        Vertx vertx = Vertx.vertx();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        MqttEdge edge = start(vertx, meters, bindPort);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (Boolean.getBoolean("bench.meters")) {
                System.out.println(meters.getMetersAsString());
            }
        }));
        System.out.println("port=" + edge.port() + " pid=" + ProcessHandle.current().pid());
        System.out.flush();
        Thread.currentThread().join();
    }

    /** Starts the bench edge on {@code bindPort} (0: ephemeral). */
    static MqttEdge start(Vertx vertx, SimpleMeterRegistry meters, int bindPort) throws Exception {
        RatePlan plan = new RatePlan("bench", RatePlan.MAX_MESSAGES_PER_SECOND, 1_000_000, RatePlan.MAX_BYTES_PER_SECOND);
        // inflight window and online queue bound: -Dbench.window / -Dbench.queue (bench/mqtt-bench gives mosquitto the same)
        MqttSettings.Limits limits = MqttSettings.Limits.builder().maxPacketSize(64 * 1024).maxPasswordSize(8192)
                .maxSubscriptionsPerSession(16).receiveMaximum(Integer.getInteger("bench.window", 100))
                .queueLength(Integer.getInteger("bench.queue", 10_000)).overflowPolicy(OverflowPolicy.DROP_OLDEST)
                .build();
        MqttEdge edge = new MqttEdge(vertx, MqttSettings.plain(bindPort).withLimits(limits).withAbuseThreshold(1_000_000),
                acceptAll(), l -> () -> { }, RevocationChecker.NONE,
                new LocalRateLimits(new LocalRateLimits.Settings(1_000_000, 1_000_000, 1, 100_000, Duration.ofMinutes(5))),
                name -> plan, new TopicRouter(1000, null), AuditLog.NOOP, meters)
                .geoPolicy(new io.edgeauth.broker.policy.GeoPolicy(""));
        String journalDir = System.getProperty("bench.journal"); // persistent sessions on disk (bench/mqtt-bench BENCH_PERSIST=1)
        if (journalDir != null && !journalDir.isEmpty()) {
            edge.sessionJournal(new io.edgeauth.broker.mqtt.persist.SessionJournal(
                    java.nio.file.Path.of(journalDir, "mqtt-sessions.mv.db")));
        }
        edge.start().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return edge;
    }

    /** Tokens {@code principal|tenant|seconds[|scope]} accepted without checks: the bench measures the edge, not crypto. */
    static AuthPipeline acceptAll() {
        return request -> {
            String[] p = new String(request.token(), StandardCharsets.UTF_8).split("\\|", -1);
            Instant now = Instant.now();
            VerifiedToken t = new VerifiedToken(TokenFormat.JWT, "bench", p[0], List.of(), now, null,
                    now.plusSeconds(Long.parseLong(p[2])), null, "k", p[1], p.length > 3 ? Set.of(p[3]) : Set.of(),
                    List.of(), null, null, null, null, "bench");
            return CompletableFuture.completedFuture(new DeviceSession(io.edgeauth.broker.auth.PrincipalKind.DEVICE, p[0], p[1], t, Set.of(), "bench", request.transport()));
        };
    }
}
