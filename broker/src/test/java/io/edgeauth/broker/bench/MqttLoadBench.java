package io.edgeauth.broker.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * MQTT load: N publishers -> 1 subscriber, QoS 0 or 1, fixed payload, against the edge (its own JVM,
 * {@link MqttEdgeBenchServer}: accept-all pipeline, generous rate plan), a mosquitto (started on a
 * free port) or any host:port. A warm-up run of the same shape ({@code -Dbench.warmup=N}, default the
 * measured count) precedes the measured one. The broker's CPU (utime + stime from /proc/PID/stat) is
 * read around the measured run: the process started here, or {@code -Dbench.pid} for host:port
 * ({@code -Dbench.label} names it). Prints one line: target, qos, publishers, sent, received, lost,
 * msg/s, p50/p99 latency, broker CPU us per message.
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
        long pid = Long.getLong("bench.pid", -1);
        String label = System.getProperty("bench.label", target);
        if (target.equals("edge")) {
            // the edge in its own JVM, like mosquitto in its own process: the load client never shares its heap or JIT
            String java = ProcessHandle.current().info().command().orElse("java");
            Process p = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                    MqttEdgeBenchServer.class.getName(), "0").redirectError(ProcessBuilder.Redirect.DISCARD).start();
            java.io.BufferedReader out = new java.io.BufferedReader(
                    new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            if (line == null || !line.startsWith("port=")) {
                p.destroyForcibly();
                throw new IllegalStateException("edge server did not start: " + line);
            }
            port = Integer.parseInt(line.substring(5, line.indexOf(' ')));
            pid = p.pid();
            server = () -> {
                p.destroy();
                p.waitFor(10, TimeUnit.SECONDS);
            };
        } else if (target.equals("mosquitto")) {
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Process p = new ProcessBuilder("mosquitto", "-p", Integer.toString(port))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            waitForPort(port);
            pid = p.pid();
            server = p::destroy;
        } else {
            host = target.substring(0, target.lastIndexOf(':'));
            port = Integer.parseInt(target.substring(target.lastIndexOf(':') + 1));
            server = () -> { };
        }
        try {
            int warmup = Integer.getInteger("bench.warmup", total);
            if (warmup > 0) { // JIT of both sides (and mosquitto's caches) before the measured run
                measure(label, host, port, qos, publishers, warmup, payload, -1);
            }
            return measure(label, host, port, qos, publishers, total, payload, pid);
        } finally {
            server.close();
        }
    }

    /** utime + stime of a process in clock ticks (USER_HZ, 100 on Linux), or -1. */
    static long cpuTicks(long pid) {
        if (pid <= 0) {
            return -1;
        }
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of proc(5)
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }

    private static String measure(String target, String host, int port, int qos, int publishers, int total,
                                  int payloadSize, long pid) throws Exception {
        MqttQos q = qos == 0 ? MqttQos.AT_MOST_ONCE : MqttQos.AT_LEAST_ONCE;
        AtomicInteger received = new AtomicInteger();
        AtomicLongArray latencies = new AtomicLongArray(total);
        java.util.concurrent.atomic.AtomicLong lastReceived = new java.util.concurrent.atomic.AtomicLong();
        Mqtt5AsyncClient sub = client("app", host, port);
        sub.publishes(MqttGlobalPublishFilter.ALL, p -> {
            long sent = ByteBuffer.wrap(p.getPayloadAsBytes()).getLong();
            int i = received.getAndIncrement();
            lastReceived.set(System.nanoTime());
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
        long cpuBefore = cpuTicks(pid);
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
        long cpuAfter = cpuTicks(pid);
        if (received.get() >= expected) { // done: the idle wait did not run, nothing to take off
            recvNanos = lastReceived.get() - start;
        }
        int got = Math.min(received.get(), total);
        long[] lat = new long[got];
        for (int i = 0; i < got; i++) {
            lat[i] = latencies.get(i);
        }
        Arrays.sort(lat);
        List<CompletableFuture<Void>> gone = new ArrayList<>();
        for (Mqtt5AsyncClient c : pubs) {
            gone.add(c.disconnect());
        }
        gone.add(sub.disconnect());
        CompletableFuture.allOf(gone.toArray(new CompletableFuture[0])).exceptionally(e -> null).get(10, TimeUnit.SECONDS);
        double cpuMicrosPerMsg = cpuBefore < 0 || cpuAfter < 0 || got == 0 ? Double.NaN
                : (cpuAfter - cpuBefore) * 10_000.0 / got; // 100 ticks/s: one tick is 10,000 us
        return String.format(java.util.Locale.ROOT, "target=%s qos=%d pubs=%d payload=%dB sent=%d received=%d lost=%d"
                        + " msg/s=%.0f sent/s=%.0f p50=%.2fms p99=%.2fms broker_cpu_us/msg=%.2f", target, qos, publishers,
                payloadSize, expected, got, expected - got, got / (recvNanos / 1e9), expected / (sentNanos / 1e9),
                got == 0 ? 0 : lat[got / 2] / 1e6, got == 0 ? 0 : lat[Math.min(got - 1, (int) (got * 0.99))] / 1e6,
                cpuMicrosPerMsg);
    }

    private static Mqtt5AsyncClient client(String id, String host, int port) {
        return MqttClient.builder().useMqttVersion5().identifier(id).serverHost(host).serverPort(port).buildAsync();
    }

    private static void connect(Mqtt5AsyncClient c, String user, String token) throws Exception {
        c.connectWith().simpleAuth().username(user).password(token.getBytes(StandardCharsets.UTF_8)).applySimpleAuth()
                .send().get(10, TimeUnit.SECONDS);
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
