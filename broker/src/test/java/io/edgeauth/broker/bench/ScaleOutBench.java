package io.edgeauth.broker.bench;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.revocation.Revocation;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.RedisServer;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.TokenClient;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scale-out figures in one sitting, one summary line: revocation propagation across 3 broker nodes on
 * one redis-server (revoked on node 1, heard by the revocation listeners of nodes 2 and 3: store write,
 * stream, XREAD, apply; p50/p99 of the later of the two), and token issuance per second
 * ({@code client_credentials} with a fresh RFC 7523 assertion each: registry lookup, jti replay guard,
 * signing) on 2 Redis nodes (round robin) vs 1 embedded node, same client threads. In-process nodes
 * and client share the machine's cores. Args: revocations (default 1000), issuance seconds (default 10),
 * client threads (default 8).
 */
public final class ScaleOutBench {
    private ScaleOutBench() {
    }

    public static void main(String[] args) throws Exception {
        int revocations = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        Path dir = Files.createTempDirectory("scale-out-bench");
        try (RedisServer redis = RedisServer.start(Files.createDirectories(dir.resolve("redis")))) {
            long[] propagation = propagation(redis, dir, revocations);
            double embedded;
            try (Broker one = Broker.start(TestBrokers.config(dir.resolve("embedded")))) {
                embedded = issuance(List.of(one), seconds, threads);
            }
            double shared;
            try (Broker a = Broker.start(TestBrokers.config(dir.resolve("i1"), redis.brokerEnv(redis.uri())));
                 Broker b = Broker.start(TestBrokers.config(dir.resolve("i2"), redis.brokerEnv(redis.uri())))) {
                shared = issuance(List.of(a, b), seconds, threads);
            }
            System.out.printf("scale-out: revocation propagation 3 nodes p50 %.1f ms p99 %.1f ms max %.1f ms (%d revocations);"
                            + " token issuance 2 nodes+redis %.0f/s vs 1 embedded %.0f/s (%.2fx, %d client threads)%n",
                    ms(percentile(propagation, 50)), ms(percentile(propagation, 99)), ms(propagation[propagation.length - 1]),
                    revocations, shared, embedded, shared / embedded, threads);
        }
    }

    private static long[] propagation(RedisServer redis, Path dir, int count) throws Exception {
        List<Broker> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Map<String, String> env = new HashMap<>(redis.brokerEnv(redis.uri()));
                env.put("EDGEAUTH_MQTT_PORT", "-1");
                env.put("EDGEAUTH_COAP_PORT", "-1");
                nodes.add(Broker.start(TestBrokers.config(dir.resolve("p" + i), env)));
            }
            Map<String, long[]> arrivals = new ConcurrentHashMap<>();
            Map<String, CountDownLatch> heard = new ConcurrentHashMap<>();
            for (int n = 1; n < 3; n++) {
                int node = n;
                nodes.get(n).revocations().subscribe(r -> {
                    long[] at = arrivals.get(r.value());
                    if (at != null) {
                        at[node] = System.nanoTime();
                        heard.get(r.value()).countDown();
                    }
                });
            }
            long[] latencies = new long[count];
            for (int i = -100; i < count; i++) { // 100 warm-up revocations
                String sub = "bench-" + i;
                long[] at = new long[3];
                arrivals.put(sub, at);
                heard.put(sub, new CountDownLatch(2));
                at[0] = System.nanoTime();
                nodes.get(0).revocations().revoke(Revocation.Kind.SUB, sub, "bench");
                if (!heard.get(sub).await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("revocation " + sub + " did not reach every node within 10 s");
                }
                if (i >= 0) {
                    latencies[i] = Math.max(at[1], at[2]) - at[0];
                }
            }
            Arrays.sort(latencies);
            return latencies;
        } finally {
            for (Broker b : nodes) {
                b.close();
            }
        }
    }

    private static double issuance(List<Broker> nodes, int seconds, int threads) throws Exception {
        Http admin = new Http("http://localhost:" + nodes.get(0).httpPort(), nodes.get(0).newAdminCredential().orElseThrow());
        List<TokenClient> clients = new ArrayList<>();
        for (int i = 0; i < threads * 4; i++) {
            DeviceIdentity id = DeviceIdentity.generate("bench-dev-" + i);
            JsonObject body = new JsonObject().put("id", id.deviceId()).put("jwk", new JsonObject(id.publicJwk().toJSONString()));
            if (admin.postJson("/admin/devices", body.encode()).statusCode() != 201) {
                throw new IllegalStateException("device registration failed");
            }
            Broker node = nodes.get(i % nodes.size());
            clients.add(TokenClient.builder().brokerUri(URI.create("http://localhost:" + node.httpPort())).identity(id).build());
        }
        for (TokenClient c : clients) { // warm-up, and every device known on every node
            c.fetch().get(30, TimeUnit.SECONDS);
        }
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t;
            Thread w = new Thread(() -> {
                int k = first;
                while (System.nanoTime() < end) {
                    try {
                        clients.get(k % clients.size()).fetch().get(30, TimeUnit.SECONDS);
                        done.incrementAndGet();
                    } catch (Exception e) {
                        failed.incrementAndGet();
                    }
                    k += threads;
                }
            });
            w.start();
            workers.add(w);
        }
        for (Thread w : workers) {
            w.join();
        }
        if (failed.get() > 0) {
            System.err.println("issuance: " + failed.get() + " requests failed");
        }
        return done.get() / (double) seconds;
    }

    private static long percentile(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
