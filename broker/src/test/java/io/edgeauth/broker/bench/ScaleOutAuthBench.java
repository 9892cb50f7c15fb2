package io.edgeauth.broker.bench;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.RedisServer;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.TokenClient;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Authentications/s and token issuance/s on 2 broker nodes sharing one redis-server vs 1 node with the embedded
 * store, side by side in one sitting with the same load client (this JVM; the nodes run in it too and share the
 * machine's cores), alternating embedded and Redis {@code rounds} times: one line per phase, one summary line
 * with the ratios. Authentication: MQTT 5 CONNECT with a device's access token (signature, registry, revocation
 * check, rate plan, the session claim on Redis), CONNACK, DISCONNECT, over a fresh TCP connection each.
 * Issuance: {@code client_credentials} with a fresh RFC 7523 assertion each (registry, jti replay guard,
 * signing). The load client's threads go round robin over the nodes. Args: seconds per measurement (default 10),
 * client threads (default 8), rounds (default 2).
 */
public final class ScaleOutAuthBench {
    private static final Map<String, String> UNGUARDED = Map.of(
            "EDGEAUTH_CONNECTION_GUARD_PER_DEVICE_PER_MINUTE", "1000000",
            "EDGEAUTH_CONNECTION_GUARD_PER_ADDRESS_PER_MINUTE", "1000000",
            "EDGEAUTH_RATE_PLANS", "{\"default\":{\"messagesPerSecond\":1000,\"burst\":1000,"
                    + "\"bytesPerSecond\":1000000}}",
            "EDGEAUTH_COAP_PORT", "-1");

    private ScaleOutAuthBench() {
    }

    /** One phase's figures: requests per second and this JVM's CPU per request (nodes and client). */
    private record Rate(double perSecond, double cpuMicros) {
        @Override
        public String toString() {
            return String.format("%.0f/s (%.0f us JVM CPU each)", perSecond, cpuMicros);
        }
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        Path dir = Files.createTempDirectory("scale-out-auth-bench");
        List<Rate[]> embedded = new ArrayList<>();
        List<Rate[]> shared = new ArrayList<>();
        try (RedisServer redis = RedisServer.start(Files.createDirectories(dir.resolve("redis")))) {
            Map<String, String> redisEnv = new HashMap<>(redis.brokerEnv(redis.uri()));
            redisEnv.putAll(UNGUARDED);
            for (int r = 0; r < rounds; r++) {
                try (Broker one = Broker.start(TestBrokers.config(dir.resolve("e" + r), UNGUARDED))) {
                    embedded.add(phase("1 embedded", List.of(one), seconds, threads));
                }
                redis.command("FLUSHALL"); // each Redis round starts from an empty store, as the embedded one does
                try (Broker a = Broker.start(TestBrokers.config(dir.resolve("a" + r), redisEnv));
                     Broker b = Broker.start(TestBrokers.config(dir.resolve("b" + r), redisEnv))) {
                    shared.add(phase("2 nodes+redis", List.of(a, b), seconds, threads));
                }
            }
        }
        StringBuilder auth = new StringBuilder();
        StringBuilder issue = new StringBuilder();
        for (int r = 0; r < rounds; r++) {
            auth.append(String.format("%s%.0f vs %.0f (%.2fx)", r == 0 ? "" : ", ", shared.get(r)[0].perSecond,
                    embedded.get(r)[0].perSecond, shared.get(r)[0].perSecond / embedded.get(r)[0].perSecond));
            issue.append(String.format("%s%.0f vs %.0f (%.2fx)", r == 0 ? "" : ", ", shared.get(r)[1].perSecond,
                    embedded.get(r)[1].perSecond, shared.get(r)[1].perSecond / embedded.get(r)[1].perSecond));
        }
        System.out.printf("scale-out auth: MQTT authentications/s 2 nodes+redis vs 1 embedded: %s; token issuance/s: %s"
                + " (%d rounds alternating, %d s each, %d client threads)%n", auth, issue, rounds, seconds, threads);
        System.exit(0);
    }

    private static Rate[] phase(String label, List<Broker> nodes, int seconds, int threads) throws Exception {
        Http admin = new Http("http://localhost:" + nodes.get(0).httpPort(), nodes.get(0).newAdminCredential().orElseThrow());
        int devices = threads * 4;
        List<TokenClient> clients = new ArrayList<>();
        List<String[]> credentials = new ArrayList<>(); // device id, token, MQTT port of its node
        for (int i = 0; i < devices; i++) {
            DeviceIdentity id = DeviceIdentity.generate("bench-auth-" + i);
            JsonObject body = new JsonObject().put("id", id.deviceId()).put("jwk", new JsonObject(id.publicJwk().toJSONString()));
            if (admin.postJson("/admin/devices", body.encode()).statusCode() != 201) {
                throw new IllegalStateException("device registration failed");
            }
            Broker node = nodes.get(i % nodes.size());
            TokenClient client = TokenClient.builder().brokerUri(URI.create("http://localhost:" + node.httpPort()))
                    .identity(id).build();
            clients.add(client);
        }
        for (int i = 0; i < devices; i++) { // every device known on every node; a token from each device's node
            String token = clients.get(i).fetch().get(30, TimeUnit.SECONDS).value();
            credentials.add(new String[] {"bench-auth-" + i, token, Integer.toString(nodes.get(i % nodes.size()).mqttPort())});
        }
        measure(threads, 2, k -> connect(credentials.get(k % devices))); // warm-up
        Rate auth = measure(threads, seconds, k -> connect(credentials.get(k % devices)));
        measure(threads, 2, k -> clients.get(k % devices).fetch().get(30, TimeUnit.SECONDS));
        Rate issuance = measure(threads, seconds, k -> clients.get(k % devices).fetch().get(30, TimeUnit.SECONDS));
        System.out.printf("  %s: MQTT authentications %s, token issuance %s%n", label, auth, issuance);
        return new Rate[] {auth, issuance};
    }

    /** One request of the load. */
    private interface Request {
        void send(int k) throws Exception;
    }

    private static Rate measure(int threads, int seconds, Request request) throws InterruptedException {
        AtomicLong done = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long cpuBefore = processCpuNanos();
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t;
            Thread w = new Thread(() -> {
                for (int k = first; System.nanoTime() < end; k += threads) {
                    try {
                        request.send(k);
                        done.incrementAndGet();
                    } catch (Exception e) {
                        if (failed.incrementAndGet() == 1) {
                            System.err.println("request failed: " + e);
                        }
                    }
                }
            });
            w.start();
            workers.add(w);
        }
        for (Thread w : workers) {
            w.join();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        long cpu = processCpuNanos() - cpuBefore;
        if (failed.get() > 0) {
            System.err.println(failed.get() + " requests failed");
        }
        return new Rate(done.get() / elapsed, done.get() == 0 ? 0 : cpu / 1e3 / done.get());
    }

    /** CONNECT (MQTT 5, clean start) with the device's token, CONNACK success, DISCONNECT. */
    private static void connect(String[] credential) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", Integer.parseInt(credential[2]))) {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(10_000); // a node that does not answer fails the request, never hangs the load
            OutputStream out = socket.getOutputStream();
            out.write(MqttWire.connect(5, credential[0], credential[0], credential[1].getBytes(StandardCharsets.US_ASCII)));
            out.flush();
            MqttWire.Packet connack = MqttWire.read(Channels.newChannel(socket.getInputStream()));
            if (connack.type() != MqttWire.CONNACK || connack.body().length < 2 || connack.body()[1] != 0) {
                throw new IOException("CONNACK refused: reason " + (connack.body().length > 1 ? connack.body()[1] & 0xFF : -1));
            }
            out.write(MqttWire.disconnect());
            out.flush();
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
