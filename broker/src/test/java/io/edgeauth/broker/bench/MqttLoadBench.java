package io.edgeauth.broker.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * MQTT load client for {@code bench/mqtt-bench}: N publishers -> 1 subscriber, QoS 0 or 1, fixed
 * payload, against any broker at host:port (the same bytes for the edge and mosquitto). Hand-written
 * on NIO ({@link MqttWire}, {@link MqttLoadPublishers}, {@link MqttLoadSubscriber}) so that the load
 * generator, which shares the cores with the broker, costs little per message and is not what is
 * measured.
 *
 * <p>Per shape: one warm-up run ({@code -Dbench.warmup}, default a fifth of the messages), then the
 * measured run on fresh connections. The broker's CPU (utime + stime of {@code -Dbench.pid} from
 * /proc/PID/stat) is read around the measured run only. Loss is exact: every payload carries its
 * publisher index and sequence number, the subscriber keeps a bit per message. One line per shape:
 * sent, received (unique), lost, duplicates, msg/s received, publish rate, latency percentiles (send
 * timestamp in the payload, one per batch), broker CPU per message and peak RSS, this client's CPU per
 * message, and the CPU other processes took meanwhile (the machine is shared: a measured run first waits
 * for it to be quiet).
 *
 * <p>Credentials: publisher {@code devN} (client id and username) with password
 * {@code devN|bench|3600}, subscriber {@code app} with {@code app|bench|3600|sub:d/+/up/#}: the
 * token format of {@link MqttEdgeBenchServer}'s accept-all pipeline; an anonymous mosquitto ignores them.
 *
 * <p>usage: {@code MqttLoadBench host:port shapes messages [payloadBytes=64]}, shapes
 * {@code qos:publishers[,qos:publishers...]}, e.g. {@code 0:1,0:100,1:1,1:100}. Properties:
 * {@code bench.label}, {@code bench.pid}, {@code bench.mqtt} (4 = 3.1.1, default 5), {@code bench.window}
 * (QoS 1 inflight per publisher, default 100), {@code bench.batch} (frames per write, default 256),
 * {@code bench.warmup}.
 */
public final class MqttLoadBench {
    private MqttLoadBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: MqttLoadBench host:port qos:pubs[,qos:pubs...] messages [payloadBytes]");
            System.exit(2);
        }
        String target = args[0];
        String host = target.substring(0, target.lastIndexOf(':'));
        int port = Integer.parseInt(target.substring(target.lastIndexOf(':') + 1));
        int total = Integer.parseInt(args[2]);
        int payload = Math.max(16, args.length > 3 ? Integer.parseInt(args[3]) : 64);
        Options o = new Options(host, port, Integer.getInteger("bench.mqtt", 5), Integer.getInteger("bench.window", 100),
                Integer.getInteger("bench.batch", 256), payload, System.getProperty("bench.label", target),
                Long.getLong("bench.pid", -1));
        int warmup = Integer.getInteger("bench.warmup", total / 5);
        int failures = 0;
        for (String shape : args[1].split(",")) {
            String[] qp = shape.split(":");
            int qos = Integer.parseInt(qp[0]);
            int publishers = Integer.parseInt(qp[1]);
            try {
                if (warmup > 0) {
                    run(o, qos, publishers, warmup, false); // JIT of both sides before the measured run
                }
                System.out.println(run(o, qos, publishers, total, true));
            } catch (IOException | RuntimeException e) {
                failures++;
                System.out.printf(Locale.ROOT, "target=%s qos=%d pubs=%d failed: %s%n", o.label, qos, publishers, e);
            }
            System.out.flush();
        }
        System.exit(failures == 0 ? 0 : 1);
    }

    record Options(String host, int port, int level, int window, int batch, int payload, String label, long pid) {
    }

    static String run(Options o, int qos, int publishers, int total, boolean measured) throws Exception {
        int perPublisher = total / publishers;
        long expected = (long) perPublisher * publishers;
        String suffix = Long.toString(System.nanoTime() % 100000);
        SocketChannel subChannel = open(o);
        // -Dbench.persistent=true: the subscriber holds a persistent session (MQTT 5: expiry 1 s, so runs do not
        // leave sessions behind that keep queueing), which makes a persisting broker write every QoS 1 message
        handshake(subChannel, o.level, "app" + suffix, "app", "app|bench|3600|sub:d/+/up/#",
                Boolean.getBoolean("bench.persistent") ? 1 : 0);
        subChannel.write(ByteBuffer.wrap(MqttWire.subscribe(o.level, "d/+/up/#", qos)));
        MqttWire.Packet suback = MqttWire.read(subChannel);
        if (suback.type() != MqttWire.SUBACK || (suback.body()[suback.body().length - 1] & 0xFF) >= 0x80) {
            throw new IOException("subscribe refused: " + Arrays.toString(suback.body()));
        }
        List<MqttLoadPublishers.Connection> connections = new ArrayList<>();
        List<SocketChannel> channels = new ArrayList<>();
        for (int i = 0; i < publishers; i++) {
            String id = "dev" + i;
            SocketChannel c = open(o);
            int receiveMaximum = handshake(c, o.level, id, id, id + "|bench|3600");
            channels.add(c);
            connections.add(new MqttLoadPublishers.Connection(c, "d/" + id + "/up/t", Math.min(o.window, receiveMaximum)));
        }
        MqttLoadSubscriber subscriber = new MqttLoadSubscriber(subChannel, o.level, publishers, perPublisher);
        MqttLoadPublishers load = new MqttLoadPublishers(connections, o.level, qos, perPublisher, o.payload, o.batch);
        Thread subThread = new Thread(subscriber, "mqtt-load-sub");
        subThread.start();
        if (measured) {
            awaitQuiet(o.pid);
        }
        long[] machineBefore = machineTicks();
        long cpuBefore = cpuTicks(o.pid);
        long selfBefore = cpuTicks(ProcessHandle.current().pid());
        long start = System.nanoTime();
        String error = null;
        try {
            load.run(TimeUnit.SECONDS.toNanos(120));
        } catch (IOException e) {
            error = e.getMessage();
        }
        long publishedNanos = System.nanoTime() - start;
        // wait until everything arrived, or nothing arrived for 3 s
        long last = -1;
        long idleSince = System.nanoTime();
        while (subscriber.unique() < expected && System.nanoTime() - idleSince < TimeUnit.SECONDS.toNanos(3)
                && subscriber.failure() == null) {
            long now = subscriber.unique();
            if (now != last) {
                last = now;
                idleSince = System.nanoTime();
            }
            Thread.sleep(2);
        }
        long cpuAfter = cpuTicks(o.pid);
        long selfAfter = cpuTicks(ProcessHandle.current().pid());
        long[] machineAfter = machineTicks();
        long got = subscriber.unique();
        long receiveNanos = (got > 0 ? subscriber.lastReceiveNanos() : System.nanoTime()) - start;
        load.close(); // deregisters the publishers' channels so they can block for DISCONNECT
        for (SocketChannel c : channels) {
            quietly(c);
        }
        subscriber.stop();
        quietly(subChannel);
        subThread.join(5000);
        if (subscriber.failure() != null && error == null) {
            error = subscriber.failure().toString();
        }
        if (!measured) {
            return "";
        }
        long[] lat = subscriber.latencies();
        Arrays.sort(lat);
        double cpuPerMsg = cpuBefore < 0 || cpuAfter < 0 || got == 0 ? Double.NaN
                : (cpuAfter - cpuBefore) * 10_000.0 / got; // USER_HZ 100: one tick is 10,000 us
        return String.format(Locale.ROOT, "target=%s mqtt=%s qos=%d pubs=%d payload=%dB sent=%d received=%d lost=%d dup=%d"
                        + " msg/s=%.0f publish/s=%.0f p50=%.2fms p99=%.2fms p999=%.2fms broker_cpu_us/msg=%.2f broker_peak_rss=%s client_cpu_us/msg=%.2f other_cpu=%.0f%%%s%s",
                o.label, o.level >= 5 ? "5" : "3.1.1", qos, publishers, o.payload, load.sent(), got, expected - got,
                subscriber.duplicates(), got / (receiveNanos / 1e9), load.sent() / (publishedNanos / 1e9),
                pct(lat, 0.5), pct(lat, 0.99), pct(lat, 0.999), cpuPerMsg, peakRss(o.pid),
                got == 0 ? Double.NaN : (selfAfter - selfBefore) * 10_000.0 / got,
                otherPercent(machineBefore, machineAfter, (cpuAfter - cpuBefore) + (selfAfter - selfBefore)),
                load.refused() > 0 ? " refused_pubacks=" + load.refused() : "",
                error == null ? "" : " error=\"" + error + "\"");
    }

    private static double pct(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (sorted.length * p))] / 1e6;
    }

    private static SocketChannel open(Options o) throws IOException {
        SocketChannel c = SocketChannel.open(new InetSocketAddress(o.host, o.port));
        c.socket().setTcpNoDelay(true);
        return c;
    }

    /** CONNECT and CONNACK (blocking); returns the broker's Receive Maximum (65535 when none). */
    private static int handshake(SocketChannel c, int level, String clientId, String user, String password)
            throws IOException {
        return handshake(c, level, clientId, user, password, 0);
    }

    private static int handshake(SocketChannel c, int level, String clientId, String user, String password,
                                 int sessionExpirySeconds) throws IOException {
        c.write(ByteBuffer.wrap(MqttWire.connect(level, clientId, user, password.getBytes(StandardCharsets.UTF_8),
                sessionExpirySeconds)));
        MqttWire.Packet connack = MqttWire.read(c);
        if (connack.type() != MqttWire.CONNACK || connack.body().length < 2 || connack.body()[1] != 0) {
            throw new IOException("connect refused for " + clientId + ": " + Arrays.toString(connack.body()));
        }
        return MqttWire.receiveMaximum(level, connack.body());
    }

    private static void quietly(SocketChannel c) {
        try {
            if (c.isOpen()) {
                c.configureBlocking(true);
                c.write(ByteBuffer.wrap(MqttWire.disconnect()));
            }
        } catch (IOException | RuntimeException ignored) {
            // closing anyway
        }
        try {
            c.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    /**
     * Waits (at most 30 s) until processes other than the broker and this client use less than a tenth
     * of one core: the machine is shared (builds, tests), and a measured run must not compete with them.
     */
    static void awaitQuiet(long pid) throws InterruptedException {
        long self = ProcessHandle.current().pid();
        for (int i = 0; i < 60; i++) {
            long[] before = machineTicks();
            long ours = cpuTicks(pid) + cpuTicks(self);
            Thread.sleep(500);
            long[] after = machineTicks();
            long oursAfter = cpuTicks(pid) + cpuTicks(self);
            if (before == null || after == null || otherPercent(before, after, oursAfter - ours) < 10) {
                return;
            }
        }
    }

    /** Percent of one core used by other processes between two {@link #machineTicks} samples. */
    static double otherPercent(long[] before, long[] after, long ourTicks) {
        if (before == null || after == null) {
            return Double.NaN;
        }
        long busy = after[0] - before[0];
        long all = after[1] - before[1];
        int cores = Runtime.getRuntime().availableProcessors();
        long wall = all / Math.max(1, cores); // ticks per core over the interval
        return wall <= 0 ? Double.NaN : Math.max(0, busy - ourTicks) * 100.0 / wall;
    }

    /** {busy, total} clock ticks of all cores from /proc/stat, or null. */
    static long[] machineTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length && i <= 8; i++) { // user nice system idle iowait irq softirq steal
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** VmHWM (peak resident set) of the broker process so far, e.g. "143MiB", or "?". */
    static String peakRss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024 + "MiB";
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux or gone
        }
        return "?";
    }

    /** utime + stime of a process in clock ticks (USER_HZ, 100 on Linux), or -1. */
    static long cpuTicks(long pid) {
        if (pid <= 0) {
            return -1;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of proc(5)
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
