package io.edgeauth.broker.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
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
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * MQTT load: N publishers -> 1 subscriber, QoS 0 or 1, fixed payload, against the edge (in process,
 * accept-all pipeline, generous rate plan) or a mosquitto (started on a free port). Prints one line:
 * {@code target qos pubs msgs payload sent/s recv/s received p50 p99}.
 *
 * <p>usage: {@code MqttLoadBench edge|mosquitto|host:port qos publishers totalMessages payloadBytes}
 */
public final class MqttLoadBench {
    private MqttLoadBench() {
    }

    public static void main(String[] args) throws Exception {
        org.slf4j.Logger root = org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (root instanceof ch.qos.logback.classic.Logger logback) {
            logback.setLevel(ch.qos.logback.classic.Level.WARN); // no DEBUG flood without a logback config
        }
        String target = args.length > 0 ? args[0] : "edge";
        int qos = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int publishers = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        int total = args.length > 3 ? Integer.parseInt(args[3]) : 20_000;
        int payload = Math.max(8, args.length > 4 ? Integer.parseInt(args[4]) : 64);
        System.out.println(run(target, qos, publishers, total, payload));
        System.exit(0);
    }

    static String run(String target, int qos, int publishers, int total, int payload) throws Exception {
        AutoCloseable server;
        String host = "127.0.0.1";
        int port;
        if (target.equals("edge")) {
            Vertx vertx = Vertx.vertx();
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            RatePlan plan = new RatePlan("bench", 1_000_000, 1_000_000, 1L << 40, 1_000_000);
            MqttSettings.Limits limits = new MqttSettings.Limits(64 * 1024, 256, 16, 128, 8192, 16, 100, 10_000,
                    1000, OverflowPolicy.DROP_OLDEST);
            MqttEdge edge = new MqttEdge(vertx, MqttSettings.plain(0).withLimits(limits).withAbuseThreshold(1_000_000),
                    acceptAll(), l -> () -> { }, RevocationChecker.NONE,
                    new LocalRateLimits(new LocalRateLimits.Settings(1_000_000, 1_000_000, 1, 100_000, Duration.ofMinutes(5))),
                    name -> plan, new TopicRouter(1000, null), AuditLog.NOOP, meters);
            edge.start().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            port = edge.port();
            server = () -> {
                if (Boolean.getBoolean("bench.meters")) {
                    System.err.println(meters.getMetersAsString());
                }
                edge.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                vertx.close();
            };
        } else if (target.equals("mosquitto")) {
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Process p = new ProcessBuilder("mosquitto", "-p", Integer.toString(port))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            waitForPort(port);
            server = p::destroy;
        } else {
            host = target.substring(0, target.lastIndexOf(':'));
            port = Integer.parseInt(target.substring(target.lastIndexOf(':') + 1));
            server = () -> { };
        }
        try {
            return measure(target, host, port, qos, publishers, total, payload);
        } finally {
            server.close();
        }
    }

    private static String measure(String target, String host, int port, int qos, int publishers, int total,
                                  int payloadSize) throws Exception {
        MqttQos q = qos == 0 ? MqttQos.AT_MOST_ONCE : MqttQos.AT_LEAST_ONCE;
        AtomicInteger received = new AtomicInteger();
        AtomicLongArray latencies = new AtomicLongArray(total);
        Mqtt5AsyncClient sub = client("app", host, port);
        sub.publishes(MqttGlobalPublishFilter.ALL, p -> {
            long sent = ByteBuffer.wrap(p.getPayloadAsBytes()).getLong();
            int i = received.getAndIncrement();
            if (i < total) {
                latencies.set(i, System.nanoTime() - sent);
            }
        });
        connect(sub, "app", "app|bench|3600|sub:d/+/up/#");
        sub.subscribeWith().topicFilter("d/+/up/#").qos(q).send().get();
        List<Mqtt5AsyncClient> pubs = new ArrayList<>();
        for (int i = 0; i < publishers; i++) {
            Mqtt5AsyncClient c = client("dev" + i, host, port);
            connect(c, "dev" + i, "dev" + i + "|bench|3600");
            pubs.add(c);
        }
        int perPublisher = total / publishers;
        int expected = perPublisher * publishers;
        long start = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        List<CompletableFuture<?>> acks = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < publishers; i++) {
            Mqtt5AsyncClient c = pubs.get(i);
            String topic = "d/dev" + i + "/up/t";
            Thread t = new Thread(() -> {
                for (int k = 0; k < perPublisher; k++) {
                    ByteBuffer b = ByteBuffer.allocate(payloadSize);
                    b.putLong(System.nanoTime());
                    acks.add(c.publishWith().topic(topic).qos(q).payload(b.array()).send());
                }
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        CompletableFuture.allOf(acks.toArray(new CompletableFuture[0])).exceptionally(e -> null).get(120, TimeUnit.SECONDS);
        long sentNanos = System.nanoTime() - start;
        int last = -1;
        long idleSince = System.nanoTime();
        while (received.get() < expected && System.nanoTime() - idleSince < TimeUnit.SECONDS.toNanos(3)) {
            int now = received.get();
            if (now != last) {
                last = now;
                idleSince = System.nanoTime();
            }
            Thread.onSpinWait();
            Thread.sleep(5);
        }
        long recvNanos = System.nanoTime() - start;
        int got = Math.min(received.get(), total);
        long[] lat = new long[got];
        for (int i = 0; i < got; i++) {
            lat[i] = latencies.get(i);
        }
        Arrays.sort(lat);
        for (Mqtt5AsyncClient c : pubs) {
            c.disconnect();
        }
        sub.disconnect();
        return String.format("target=%s qos=%d pubs=%d msgs=%d payload=%dB sent/s=%.0f recv/s=%.0f received=%d/%d"
                        + " p50=%.2fms p99=%.2fms", target, qos, publishers, expected, payloadSize,
                expected / (sentNanos / 1e9), got / (recvNanos / 1e9), got, expected,
                got == 0 ? 0 : lat[got / 2] / 1e6, got == 0 ? 0 : lat[Math.min(got - 1, (int) (got * 0.99))] / 1e6);
    }

    private static Mqtt5AsyncClient client(String id, String host, int port) {
        return MqttClient.builder().useMqttVersion5().identifier(id).serverHost(host).serverPort(port).buildAsync();
    }

    private static void connect(Mqtt5AsyncClient c, String user, String token) throws Exception {
        c.connectWith().simpleAuth().username(user).password(token.getBytes(StandardCharsets.UTF_8)).applySimpleAuth()
                .send().get(10, TimeUnit.SECONDS);
    }

    /** Tokens {@code principal|tenant|seconds[|scope]} accepted without checks: the bench measures the edge, not crypto. */
    private static AuthPipeline acceptAll() {
        return request -> {
            String[] p = new String(request.token(), StandardCharsets.UTF_8).split("\\|", -1);
            Instant now = Instant.now();
            VerifiedToken t = new VerifiedToken(TokenFormat.JWT, "bench", p[0], List.of(), now, null,
                    now.plusSeconds(Long.parseLong(p[2])), null, "k", p[1], p.length > 3 ? Set.of(p[3]) : Set.of(),
                    List.of(), null, null, null, null, "bench");
            return CompletableFuture.completedFuture(new DeviceSession(p[0], p[1], t, Set.of(), "bench", request.transport()));
        };
    }

    private static void waitForPort(int port) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 100);
                return;
            } catch (java.io.IOException e) {
                Thread.sleep(25);
            }
        }
        throw new IllegalStateException("server did not open port " + port);
    }
}
