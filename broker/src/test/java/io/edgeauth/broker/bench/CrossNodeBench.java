package io.edgeauth.broker.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.RedisServer;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.Wallets;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.DeviceMqttClient;
import io.edgeauth.device.TokenClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * Cross-node QoS 1 routing in one sitting, one summary line: a device publishes QoS 1 telemetry (a window
 * of in-flight messages) on node A and its owner receives it on node B (both on one redis-server), vs
 * publisher and subscriber on one embedded node. Reports msg/s, publish-to-receive latency p50/p99 and
 * CPU per message (this JVM: nodes and clients; plus redis-server's own from {@code INFO cpu}). Real
 * HiveMQ clients over TCP; in-process nodes and clients share the machine's cores. Then the latency
 * unloaded: {@value #ONE_AT_A_TIME} messages one at a time (window 1). Args: messages (default 20000),
 * window (default 64).
 */
public final class CrossNodeBench {
    private static final String RATE_PLAN = "{\"default\":{\"messagesPerSecond\":1000000,\"burst\":1000000,"
            + "\"bytesPerSecond\":1000000000}}";

    /** Messages of the unloaded latency runs (window 1: each waits for the previous PUBACK). */
    private static final int ONE_AT_A_TIME = 2000;

    private CrossNodeBench() {
    }

    /** One run's figures. */
    record Run(double perSecond, double p50Ms, double p99Ms, double jvmCpuMicros, double redisCpuMicros) {
    }

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int window = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        Path dir = Files.createTempDirectory("cross-node-bench");
        try (RedisServer redis = RedisServer.start(Files.createDirectories(dir.resolve("redis")))) {
            Run single;
            Run singleAlone;
            Run crossAlone;
            Map<String, String> fast = Map.of("EDGEAUTH_RATE_PLANS", RATE_PLAN);
            try (Broker one = Broker.start(TestBrokers.config(dir.resolve("single"), fast))) {
                run(one, one, null, messages / 5, window); // warm-up
                single = run(one, one, null, messages, window);
                singleAlone = run(one, one, null, ONE_AT_A_TIME, 1);
            }
            Run cross;
            Map<String, String> env = new HashMap<>(redis.brokerEnv(redis.uri()));
            env.putAll(fast);
            try (Broker a = Broker.start(TestBrokers.config(dir.resolve("a"), env));
                 Broker b = Broker.start(TestBrokers.config(dir.resolve("b"), env))) {
                run(a, b, redis, messages / 5, window);
                cross = run(a, b, redis, messages, window);
                crossAlone = run(a, b, redis, ONE_AT_A_TIME, 1);
            }
            System.out.printf("cross-node QoS 1: A->B %.0f msg/s p50 %.2f ms p99 %.2f ms, CPU %.0f us/msg (+ redis %.0f us/msg)"
                            + " vs one embedded node %.0f msg/s p50 %.2f ms p99 %.2f ms, CPU %.0f us/msg"
                            + " (%.2fx the rate; %d messages, window %d)%n",
                    cross.perSecond, cross.p50Ms, cross.p99Ms, cross.jvmCpuMicros, cross.redisCpuMicros,
                    single.perSecond, single.p50Ms, single.p99Ms, single.jvmCpuMicros,
                    cross.perSecond / single.perSecond, messages, window);
            System.out.printf("cross-node QoS 1, one message at a time (%d): A->B p50 %.2f ms p99 %.2f ms"
                            + " vs one embedded node p50 %.2f ms p99 %.2f ms%n",
                    ONE_AT_A_TIME, crossAlone.p50Ms, crossAlone.p99Ms, singleAlone.p50Ms, singleAlone.p99Ms);
        }
    }

    private static int runs;

    private static Run run(Broker pubNode, Broker subNode, RedisServer redis, int count, int window) throws Exception {
        return run(pubNode, subNode, redis, count, window, false);
    }

    /**
     * Publishes {@code count} QoS 1 messages on {@code pubNode} with {@code window} in flight; the owner receives on
     * {@code subNode}, in a persistent session (expiry 10 min: each message journaled, and with Redis copied to the
     * session's stream) or a clean one.
     */
    static Run run(Broker pubNode, Broker subNode, RedisServer redis, int count, int window, boolean persistent)
            throws Exception {
        String base = "http://localhost:" + pubNode.httpPort();
        ECKeyPair wallet = Keys.createEcKeyPair();
        String did = Wallets.did(wallet);
        String deviceId = "bench-xn-" + (runs++);
        DeviceIdentity device = DeviceIdentity.generate(deviceId);
        Http admin = new Http(base, pubNode.newAdminCredential().orElseThrow());
        JsonObject body = new JsonObject().put("id", deviceId).put("owner", did)
                .put("jwk", new JsonObject(device.publicJwk().toJSONString()));
        if (admin.postJson("/admin/devices", body.encode()).statusCode() != 201) {
            throw new IllegalStateException("device registration failed");
        }
        String subBase = "http://localhost:" + subNode.httpPort();
        Http subAdmin = new Http(subBase, subNode.newAdminCredential().orElseThrow());
        while (subAdmin.get("/admin/devices/" + deviceId).statusCode() != 200) {
            Thread.sleep(10); // the owner's login lists what the subscriber's node knows it owns
        }
        String token = Wallets.siweLogin(subBase, wallet).getString("access_token");
        long[] latency = new long[count];
        AtomicInteger received = new AtomicInteger();
        CountDownLatch all = new CountDownLatch(count);
        CountDownLatch probeSeen = new CountDownLatch(1);
        Mqtt5AsyncClient owner = MqttClient.builder().useMqttVersion5().identifier(did + "#bench")
                .serverHost("127.0.0.1").serverPort(subNode.mqttPort()).buildAsync();
        owner.connectWith().cleanStart(true).sessionExpiryInterval(persistent ? 600 : 0).simpleAuth().username(did)
                .password(token.getBytes(StandardCharsets.US_ASCII)).applySimpleAuth().send().get(10, TimeUnit.SECONDS);
        owner.subscribeWith().topicFilter("d/" + deviceId + "/up/#").qos(MqttQos.AT_LEAST_ONCE).callback(p -> {
            ByteBuffer payload = ByteBuffer.wrap(p.getPayloadAsBytes());
            int seq = payload.getInt();
            if (seq == -1) {
                probeSeen.countDown();
            } else if (seq >= 0 && seq < count && latency[seq] == 0) {
                latency[seq] = System.nanoTime() - payload.getLong();
                received.incrementAndGet();
                all.countDown();
            }
        }).send().get(10, TimeUnit.SECONDS);
        DeviceMqttClient publisher = DeviceMqttClient.builder().identity(device).serverHost("127.0.0.1")
                .serverPort(pubNode.mqttPort()).token(TokenClient.builder().brokerUri(URI.create(base)).identity(device)
                        .build().fetch().get(10, TimeUnit.SECONDS)).build();
        publisher.connect().get(10, TimeUnit.SECONDS);
        // the route of B's subscription reaches A through a stream: wait until a probe arrives
        byte[] probe = ByteBuffer.allocate(64).putInt(-1).putLong(0).array();
        do {
            publisher.publishTelemetry("probe", probe, 1).get(10, TimeUnit.SECONDS);
        } while (!probeSeen.await(200, TimeUnit.MILLISECONDS));
        long cpuBefore = processCpuNanos();
        double redisBefore = redisCpuSeconds(redis);
        long start = System.nanoTime();
        Semaphore inFlight = new Semaphore(window);
        for (int i = 0; i < count; i++) {
            inFlight.acquire();
            byte[] payload = ByteBuffer.allocate(64).putInt(i).putLong(System.nanoTime()).array();
            publisher.publishTelemetry("t", payload, 1).whenComplete((ok, e) -> inFlight.release());
        }
        if (!all.await(120, TimeUnit.SECONDS)) {
            throw new IllegalStateException("only " + received.get() + " of " + count + " messages arrived");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long cpu = processCpuNanos() - cpuBefore;
        double redisCpu = redisCpuSeconds(redis) - redisBefore;
        publisher.disconnect();
        owner.disconnect();
        Arrays.sort(latency);
        return new Run(count / seconds, latency[count / 2] / 1e6, latency[(int) Math.ceil(count * 0.99) - 1] / 1e6,
                cpu / 1e3 / count, redisCpu * 1e6 / count);
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** redis-server's user + system CPU seconds so far ({@code INFO cpu}); 0 without Redis. */
    private static double redisCpuSeconds(RedisServer redis) {
        if (redis == null) {
            return 0;
        }
        try (RedisClient client = RedisClient.create(redis.uri());
             StatefulRedisConnection<String, String> c = client.connect()) {
            double total = 0;
            for (String line : c.sync().info("cpu").split("\r?\n")) {
                if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
                    total += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
                }
            }
            return total;
        }
    }
}
