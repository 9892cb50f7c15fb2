package io.edgeauth.broker.bench;

import io.edgeauth.broker.testsupport.BrokerProcess;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.TelemetrySignatures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Signed vs unsigned telemetry at the MQTT edge (issue 15), on the wire only: the real broker in its own JVM
 * with two tenants, {@code plain} and {@code signed} ({@code requireSignedTelemetry}); N devices of each,
 * registered over the admin API, tokens from {@code /oauth/token}, MQTT 5 CONNECT with the token. Each
 * publisher sends QoS 1 PUBLISH frames on a window of in-flight messages and counts the PUBACKs (a refusal,
 * 0x87, is counted and fails the run). A signed device's frames carry the {@code edgeauth-sig} user property:
 * the payload is fixed per device (no per-message timestamp), so it is signed once with the device SDK
 * ({@link TelemetrySignatures#sign}) and the same signature rides on every message; the edge still verifies
 * every message (it caches parsed device keys, never verdicts). The same payload, without the property,
 * goes to the plain tenant. Measured runs alternate plain, signed, plain, signed after a warm-up of each;
 * per run: PUBACKed msg/s, the broker's CPU per message (/proc utime + stime), the CPU other processes took
 * and the load average; then the ratios over the measured runs.
 * usage: SignedTelemetryLoadBench MESSAGES_PER_RUN PUBLISHERS WORKDIR
 */
public final class SignedTelemetryLoadBench {
    static final int WINDOW = 100;
    static final int BATCH = 64;

    private SignedTelemetryLoadBench() {
    }

    record Publisher(String id, String token, byte[] frame, int packetIdOffset) {
    }

    record Result(String mode, long acked, long refused, double seconds, double cpuUsPerMessage, double otherCpu,
                  String load) {
        double rate() {
            return acked / seconds;
        }
    }

    public static void main(String[] args) throws Exception {
        int messages = Integer.parseInt(args[0]);
        int publishers = Integer.parseInt(args[1]);
        Path work = Path.of(args[2]);
        String plan = "{\"messagesPerSecond\":1000000,\"burst\":10000000,\"bytesPerSecond\":1000000000}"; // the highest plan
        BrokerProcess broker = BrokerProcess.start(TestBrokers.env(work.resolve("data"), Map.of(
                "EDGEAUTH_COAP_PORT", "-1",
                "EDGEAUTH_TENANTS", "[{\"id\":\"default\"},{\"id\":\"plain\"},{\"id\":\"signed\","
                        + "\"requireSignedTelemetry\":true}]",
                "EDGEAUTH_RATE_PLANS", "{\"default\":" + plan + "}",
                "EDGEAUTH_CONNECTION_GUARD_PER_ADDRESS_PER_MINUTE", "100000")),
                List.of("-Xmx512m"), ProcessBuilder.Redirect.to(work.resolve("broker.log").toFile()));
        try {
            Http admin = new Http(broker.url(), broker.admin());
            byte[] payload = "{\"t\":21.5,\"h\":40,\"p\":1013,\"site\":\"plant-7\",\"line\":3,\"ok\":true}"
                    .getBytes(StandardCharsets.UTF_8);
            List<Publisher> plain = publishers(admin, broker.url(), "plain", publishers, payload, false);
            List<Publisher> signed = publishers(admin, broker.url(), "signed", publishers, payload, true);
            int warmup = Math.max(10_000, messages / 2);
            run(broker, "warmup-plain", plain, warmup);
            run(broker, "warmup-signed", signed, warmup);
            List<Result> results = new ArrayList<>();
            for (int round = 0; round < 2; round++) {
                results.add(run(broker, "plain", plain, messages));
                results.add(run(broker, "signed", signed, messages));
            }
            results.forEach(r -> System.out.println(line(r, publishers, payload.length, plain.get(0).frame().length,
                    signed.get(0).frame().length)));
            double plainRate = mean(results, "plain", Result::rate);
            double signedRate = mean(results, "signed", Result::rate);
            double plainCpu = mean(results, "plain", Result::cpuUsPerMessage);
            double signedCpu = mean(results, "signed", Result::cpuUsPerMessage);
            System.out.printf(Locale.ROOT, "signed-telemetry summary plain_msg/s=%.0f signed_msg/s=%.0f"
                            + " rate_ratio(signed/plain)=%.2f plain_cpu_us/msg=%.1f signed_cpu_us/msg=%.1f"
                            + " cpu_ratio(signed/plain)=%.2f cores=%d%n", plainRate, signedRate, signedRate / plainRate,
                    plainCpu, signedCpu, signedCpu / plainCpu, Runtime.getRuntime().availableProcessors());
        } finally {
            broker.close();
        }
    }

    private static String line(Result r, int publishers, int payload, int plainFrame, int signedFrame) {
        return String.format(Locale.ROOT, "signed-telemetry mode=%s pubs=%d payload=%dB frame=%dB acked=%d refused=%d"
                        + " msg/s=%.0f broker_cpu_us/msg=%.1f other_cpu=%.0f%% loadavg=%s",
                r.mode(), publishers, payload, r.mode().equals("signed") ? signedFrame : plainFrame, r.acked(),
                r.refused(), r.rate(), r.cpuUsPerMessage(), r.otherCpu(), r.load());
    }

    private static double mean(List<Result> results, String mode, java.util.function.ToDoubleFunction<Result> f) {
        return results.stream().filter(r -> r.mode().equals(mode)).mapToDouble(f).average().orElse(Double.NaN);
    }

    private static List<Publisher> publishers(Http admin, String base, String tenant, int n, byte[] payload,
                                              boolean sign) {
        List<Publisher> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = tenant + "-" + i;
            DeviceIdentity device = TestDevices.register(admin, id, tenant);
            String token = TestDevices.token(admin, base, device);
            String signature = sign ? TelemetrySignatures.sign(device, payload) : null;
            String topic = "d/" + id + "/up/t";
            byte[] frame = publish(topic, signature, payload);
            out.add(new Publisher(id, token, frame, MqttWire.packetIdOffset(frame, topic)));
        }
        return out;
    }

    /** One measured (or warm-up) run: every publisher on a fresh connection, its share of the messages. */
    static Result run(BrokerProcess broker, String mode, List<Publisher> publishers, int messages) throws Exception {
        int each = messages / publishers.size();
        List<SocketChannel> channels = new ArrayList<>();
        for (Publisher p : publishers) {
            channels.add(connect(broker.mqttPort(), p));
        }
        if (!mode.startsWith("warmup")) {
            MqttLoadBench.awaitQuiet(broker.pid());
        }
        String loadBefore = loadAverage();
        AtomicLong acked = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        long[] machineBefore = MqttLoadBench.machineTicks();
        long cpuBefore = MqttLoadBench.cpuTicks(broker.pid());
        long selfBefore = MqttLoadBench.cpuTicks(ProcessHandle.current().pid());
        long start = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < publishers.size(); i++) {
            Publisher p = publishers.get(i);
            SocketChannel c = channels.get(i);
            Thread t = new Thread(() -> {
                try {
                    long[] counts = publish(c, p, each);
                    acked.addAndGet(counts[0]);
                    refused.addAndGet(counts[1]);
                } catch (IOException | RuntimeException e) {
                    failures.add(e);
                }
            }, "pub-" + p.id());
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long cpuAfter = MqttLoadBench.cpuTicks(broker.pid());
        long selfAfter = MqttLoadBench.cpuTicks(ProcessHandle.current().pid());
        long[] machineAfter = MqttLoadBench.machineTicks();
        for (SocketChannel c : channels) {
            c.close();
        }
        if (!failures.isEmpty()) {
            throw new IOException(mode + " run failed: " + failures.get(0), failures.get(0));
        }
        if (refused.get() > 0) {
            throw new IOException(mode + " run: " + refused.get() + " messages refused (the bench measures accepted ones)");
        }
        double cpuUs = (cpuAfter - cpuBefore) * 10_000.0 / Math.max(1, acked.get()); // USER_HZ 100
        double other = MqttLoadBench.otherPercent(machineBefore, machineAfter,
                (cpuAfter - cpuBefore) + (selfAfter - selfBefore));
        return new Result(mode, acked.get(), refused.get(), seconds, cpuUs, other, loadBefore + "->" + loadAverage());
    }

    private static SocketChannel connect(int port, Publisher p) throws IOException {
        SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        c.socket().setTcpNoDelay(true);
        c.write(ByteBuffer.wrap(MqttWire.connect(5, p.id(), p.id(), p.token().getBytes(StandardCharsets.US_ASCII))));
        MqttWire.Packet connack = MqttWire.read(c);
        if (connack.type() != MqttWire.CONNACK || connack.body().length < 2 || connack.body()[1] != 0) {
            throw new IOException("connect refused for " + p.id() + ": " + java.util.Arrays.toString(connack.body()));
        }
        return c;
    }

    /**
     * Sends {@code count} QoS 1 PUBLISH frames with at most {@link #WINDOW} unacknowledged; returns {acked,
     * refused}. PUBACKs are read through one buffer (a PUBACK is 4 to 6 bytes, many arrive per read).
     */
    static long[] publish(SocketChannel c, Publisher p, long count) throws IOException {
        byte[] frame = p.frame().clone();
        ByteBuffer out = ByteBuffer.allocate(frame.length * BATCH);
        ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        long sent = 0;
        long acked = 0;
        long refused = 0;
        int inflight = 0;
        int packetId = 0;
        while (acked + refused < count) {
            out.clear();
            for (int n = 0; n < BATCH && inflight < WINDOW && sent < count; n++) {
                packetId = packetId % 65535 + 1;
                frame[p.packetIdOffset()] = (byte) (packetId >>> 8);
                frame[p.packetIdOffset() + 1] = (byte) packetId;
                out.put(frame);
                sent++;
                inflight++;
            }
            out.flip();
            while (out.hasRemaining()) {
                c.write(out);
            }
            if (c.read(in) < 0) {
                throw new IOException("connection closed by the broker after " + acked + " acknowledgements");
            }
            in.flip();
            while (in.remaining() >= 2) {
                int type = (in.get(in.position()) & 0xFF) >>> 4;
                int length = in.get(in.position() + 1) & 0xFF; // PUBACK and DISCONNECT bodies stay under 128 bytes
                if (in.remaining() < 2 + length) {
                    break;
                }
                if (type == MqttWire.DISCONNECT) {
                    throw new IOException("DISCONNECT from the broker, reason "
                            + (length > 0 ? in.get(in.position() + 2) & 0xFF : 0));
                }
                if (type == MqttWire.PUBACK) {
                    int reason = length > 2 ? in.get(in.position() + 4) & 0xFF : 0;
                    if (reason >= 0x80) {
                        refused++;
                    } else {
                        acked++;
                    }
                    inflight--;
                }
                in.position(in.position() + 2 + length);
            }
            in.compact();
        }
        return new long[] {acked, refused};
    }

    /** A QoS 1 PUBLISH, MQTT 5, packet id 0 (patched per message), the signature as a user property when given. */
    static byte[] publish(String topic, String signature, byte[] payload) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeString(body, topic);
        body.write(0);
        body.write(0);
        ByteArrayOutputStream properties = new ByteArrayOutputStream();
        if (signature != null) {
            properties.write(0x26); // User Property
            writeString(properties, TelemetrySignatures.USER_PROPERTY);
            writeString(properties, signature);
        }
        writeVarInt(body, properties.size());
        body.writeBytes(properties.toByteArray());
        body.writeBytes(payload);
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        packet.write(0x32);
        writeVarInt(packet, body.size());
        packet.writeBytes(body.toByteArray());
        return packet.toByteArray();
    }

    private static void writeString(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(b.length >>> 8);
        out.write(b.length);
        out.writeBytes(b);
    }

    private static void writeVarInt(ByteArrayOutputStream out, int value) {
        do {
            int digit = value % 128;
            value /= 128;
            out.write(value > 0 ? digit | 0x80 : digit);
        } while (value > 0);
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }
}
