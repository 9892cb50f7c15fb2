package io.edgeauth.broker.coap;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.Message;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.network.serialization.UdpDataParser;
import org.eclipse.californium.core.network.serialization.UdpDataSerializer;
import org.eclipse.californium.elements.AddressEndpointContext;
import org.eclipse.californium.elements.DtlsEndpointContext;
import org.eclipse.californium.elements.EndpointContext;
import org.eclipse.californium.elements.MessageCallback;
import org.eclipse.californium.elements.RawData;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.CertificateType;
import org.eclipse.californium.scandium.dtls.cipher.CipherSuite;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;
import org.eclipse.californium.scandium.dtls.x509.SingleCertificateProvider;
import org.eclipse.californium.scandium.dtls.x509.StaticNewAdvancedCertificateVerifier;

/**
 * The client half of the out-of-process CoAP benchmarks; the server runs in its own JVM
 * ({@link CoapBenchServer}) so its CPU and heap are measured alone. Sub-commands (one summary line each):
 * <ul>
 * <li>{@code load MODE PORT PID SECONDS CLIENTS [WINDOW]}: telemetry POSTs from the lean {@link CoapLoad} client
 * (pre-encoded CON requests, WINDOW outstanding per client, default 4; every client uploads a token first, in
 * bare and edge modes alike), plus the server's utime+stime from {@code /proc/PID/stat} over the measured
 * window: microseconds of server CPU per request (and the client's own CPU per request).</li>
 * <li>{@code handshakes MODE psk|x509 PORT PID SECONDS CONCURRENCY [PKIDIR]}: full DTLS 1.2 handshakes, each with
 * a new client connector (new socket, new session, cookie exchange) that then sends a CoAP ping and waits for
 * the server's RST; {@code CONCURRENCY} such loops in parallel ({@code -Dbench.reuse=true}: one connector per
 * loop whose connection state is cleared before each handshake). Reports handshakes/s and server CPU per
 * handshake.</li>
 * <li>{@code sessions MODE PORT PID COUNT CONCURRENCY [POSTS] [QUIET]}: COUNT distinct PSK devices {@code bench0..}, each
 * from its own peer address (own loopback IP 127.2+.x.y), handshake and upload a token to {@code /authz-info}
 * (2.01), optionally POSTS telemetry requests (2.04; each leaves an exchange in the per-peer deduplicator), then the client connector is dropped without a close_notify (the device goes quiet; the server keeps the
 * DTLS connection and the authorized session). After QUIET seconds (default 2; more than dedupLifetime + 10 s
 * to see the heap once the deduplicator has let the exchanges go) the server heap ({@code jcmd PID GC.run}, then
 * {@code GC.heap_info} "used") before and after gives bytes per authorized session.</li>
 * </ul>
 * {@code -Dbench.nativeEcdh=true}: the client's EC key pairs, ECDH and ECDSA from ACCP too
 * ({@link io.edgeauth.broker.crypto.CryptoProviders#installNativeDtlsEc}), so that a JDK client does not cap the rate.
 */
public final class CoapBenchClient {
    private static final java.util.concurrent.atomic.AtomicBoolean SUITE_SHOWN =
            new java.util.concurrent.atomic.AtomicBoolean();
    private static final Pattern USED = Pattern.compile("used (\\d+)K");

    private CoapBenchClient() {
    }

    public static void main(String[] args) throws Exception {
        if (Boolean.getBoolean("bench.nativeEcdh")) {
            io.edgeauth.broker.crypto.CryptoProviders.installNativeDtlsEc();
        }
        switch (args[0]) {
            case "load" -> load(args[1], Integer.parseInt(args[2]), Long.parseLong(args[3]), Integer.parseInt(args[4]),
                    Integer.parseInt(args[5]), args.length > 6 ? Integer.parseInt(args[6]) : 4);
            case "handshakes" -> handshakes(args[1], args[2], Integer.parseInt(args[3]), Long.parseLong(args[4]),
                    Integer.parseInt(args[5]), Integer.parseInt(args[6]), args.length > 7 ? Path.of(args[7]) : null,
                    args.length > 8 ? Integer.parseInt(args[8]) : 20);
            case "sessions" -> sessions(args[1], Integer.parseInt(args[2]), Long.parseLong(args[3]),
                    Integer.parseInt(args[4]), Integer.parseInt(args[5]), args.length > 6 ? Integer.parseInt(args[6]) : 0,
                    args.length > 7 ? Integer.parseInt(args[7]) : 2);
            default -> throw new IllegalArgumentException("load|handshakes|sessions");
        }
        System.exit(0);
    }

    // ---- /proc and jcmd ----

    /** utime + stime of the process in clock ticks. */
    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of proc(5)
    }

    static int clkTck() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").start();
            return Integer.parseInt(new String(p.getInputStream().readAllBytes()).trim());
        } catch (Exception e) {
            return 100;
        }
    }

    static String jcmd(long pid, String command) throws Exception {
        Process p = new ProcessBuilder("jcmd", Long.toString(pid), command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }

    /** Heap used after full GCs, in bytes (G1's "garbage-first heap total NK, used NK" line). */
    static long usedAfterGc(long pid) throws Exception {
        for (int i = 0; i < 3; i++) {
            jcmd(pid, "GC.run");
        }
        String info = jcmd(pid, "GC.heap_info");
        Matcher m = USED.matcher(info);
        if (!m.find()) {
            throw new IllegalStateException("no 'used NK' in: " + info);
        }
        return Long.parseLong(m.group(1)) * 1024;
    }

    // ---- load: telemetry POSTs + server CPU per request ----

    static void load(String mode, int port, long pid, int seconds, int clients, int window) throws Exception {
        InetSocketAddress server = new InetSocketAddress("127.0.0.1", port);
        CoapLoad load = new CoapLoad(window);
        if (mode.endsWith("-dtls")) {
            load.openDtls(server, clients);
        } else {
            load.openPlain(server, clients);
        }
        load.start(10_000);
        // warm-up before the measured window (-Dbench.warmup seconds, default 10): C2 still compiles the server's hot
        // path for seconds (DTLS longer), and compiler threads count in its CPU (more for the edge, which has more code)
        sleepUntil(System.nanoTime() + Duration.ofSeconds(Integer.getInteger("bench.warmup", 10)).toNanos());
        long ticks0 = cpuTicks(pid);
        long self0 = cpuTicks(ProcessHandle.current().pid());
        long wall0 = System.nanoTime();
        load.measure();
        sleepUntil(wall0 + Duration.ofSeconds(seconds).toNanos());
        long ticks1 = cpuTicks(pid);
        long self1 = cpuTicks(ProcessHandle.current().pid());
        double secs = (System.nanoTime() - wall0) / 1e9;
        long[] all = load.stop();
        long ok = load.ok.sum();
        double cpuSecs = (ticks1 - ticks0) / (double) clkTck();
        double clientSecs = (self1 - self0) / (double) clkTck();
        System.out.printf("cpu mode=%s clients=%d window=%d seconds=%.1f ok=%d failed=%d rate=%.0f req/s p50=%.0f us "
                        + "p99=%.0f us server_cpu=%.2f s (%.0f%% of a core) server_cpu_per_req=%.1f us "
                        + "client_cpu_per_req=%.1f us%n", mode, clients, window, secs, ok, load.failed.sum(), ok / secs,
                pct(all, 0.50) / 1e3, pct(all, 0.99) / 1e3, cpuSecs, 100 * cpuSecs / secs,
                ok == 0 ? 0 : cpuSecs * 1e6 / ok, ok == 0 ? 0 : clientSecs * 1e6 / ok);
    }

    private static void sleepUntil(long nanos) throws InterruptedException {
        long left;
        while ((left = nanos - System.nanoTime()) > 0) {
            Thread.sleep(Math.max(1, left / 1_000_000));
        }
    }

    private static double pct(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)))];
    }

    // ---- one-shot DTLS clients ----

    /** A client DTLS connector used for one exchange: new socket, new session, full handshake. */
    static final class OneShot implements AutoCloseable {
        private final DTLSConnector connector;
        private final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
        private final InetSocketAddress server;

        OneShot(DtlsConnectorConfig config, ExecutorService executor, InetSocketAddress server) throws IOException {
            this.server = server;
            connector = new DTLSConnector(config);
            connector.setExecutor(executor);
            connector.setRawDataReceiver(d -> inbox.add(d));
            connector.start();
        }

        /** Sends one datagram (starting the handshake) and returns the first CoAP message answered, or null. */
        Message exchange(byte[] datagram, long timeoutMs) throws Exception {
            EndpointContext ctx = new AddressEndpointContext(server);
            connector.send(RawData.outbound(datagram, ctx, new MessageCallback() {
                @Override
                public void onConnecting() {
                }

                @Override
                public void onDtlsRetransmission(int flight) {
                }

                @Override
                public void onContextEstablished(EndpointContext context) {
                    if (!SUITE_SHOWN.getAndSet(true)) {
                        System.err.println("negotiated: " + context.get(DtlsEndpointContext.KEY_CIPHER));
                    }
                }

                @Override
                public void onSent() {
                }

                @Override
                public void onError(Throwable error) {
                    inbox.add(error);
                }
            }, false));
            long deadline = System.nanoTime() + timeoutMs * 1_000_000;
            UdpDataParser parser = new UdpDataParser();
            while (true) {
                Object o = inbox.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (o == null || o instanceof Throwable) {
                    return null;
                }
                Message m = parser.parseMessage(((RawData) o).getBytes());
                if (m instanceof Response || m.getType() == org.eclipse.californium.core.coap.CoAP.Type.RST) {
                    return m;
                }
            }
        }

        /** Forgets the connection and session: the next exchange is a full handshake from the same address. */
        void forget() {
            connector.clearConnectionState();
            inbox.clear();
        }

        @Override
        public void close() {
            connector.destroy();
        }
    }

    static Configuration oneShotConfig(String kind) {
        Configuration c = EdgeFixture.clientConfig();
        // RFC 7925's mandatory suites by default; -Dbench.suites=A,B to offer others (e.g. ECDHE_PSK)
        String suites = System.getProperty("bench.suites",
                "x509".equals(kind) ? "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8" : "TLS_PSK_WITH_AES_128_CCM_8");
        List<CipherSuite> list = new ArrayList<>();
        for (String name : suites.split(",")) {
            list.add(CipherSuite.valueOf(name.trim()));
        }
        c.set(DtlsConfig.DTLS_RECOMMENDED_CIPHER_SUITES_ONLY, false);
        c.set(DtlsConfig.DTLS_CIPHER_SUITES, list);
        c.set(DtlsConfig.DTLS_RECEIVER_THREAD_COUNT, 1);
        c.set(DtlsConfig.DTLS_CONNECTOR_THREAD_COUNT, 1);
        c.set(DtlsConfig.DTLS_MAX_CONNECTIONS, 4);
        return c;
    }

    static DtlsConnectorConfig pskClient(Configuration c, InetSocketAddress local, String identity) {
        return DtlsConnectorConfig.builder(c).setAddress(local)
                .setAdvancedPskStore(new AdvancedSinglePskStore(identity,
                        DerivedPskStore.derive(EdgeFixture.MASTER, identity))).build();
    }

    static DtlsConnectorConfig x509Client(Configuration c, InetSocketAddress local, TestPki pki, TestPki.Issued cert) {
        return DtlsConnectorConfig.builder(c).setAddress(local)
                .setCertificateIdentityProvider(new SingleCertificateProvider(cert.privateKey(),
                        new Certificate[] {cert.cert()}, CertificateType.X_509))
                .setAdvancedCertificateVerifier(StaticNewAdvancedCertificateVerifier.builder()
                        .setTrustedCertificates(pki.ca.cert()).build())
                .build();
    }

    static byte[] ping(int mid) { // CoAP CON empty message: the server answers RST
        return new byte[] {0x40, 0x00, (byte) (mid >> 8), (byte) mid};
    }

    // ---- handshakes/s ----

    static void handshakes(String mode, String kind, int port, long pid, int seconds, int concurrency, Path pkiDir,
                           int warmupSeconds) throws Exception {
        InetSocketAddress server = new InetSocketAddress("127.0.0.1", port);
        // -Dbench.reuse=true: one connector per loop, connection state cleared before each handshake (full
        // handshake, new session, but no socket/thread set-up on the client: more load on the server)
        boolean reuse = Boolean.getBoolean("bench.reuse");
        Configuration c = oneShotConfig(kind);
        TestPki pki = "x509".equals(kind) ? TestPki.loadCa(pkiDir) : null;
        List<TestPki.Issued> certs = new ArrayList<>();
        for (int i = 0; pki != null && i < concurrency; i++) {
            certs.add(pki.client("bench" + i));
        }
        ExecutorService executor = Executors.newFixedThreadPool(2);
        long start = System.nanoTime();
        // full handshakes before the measured window, so both JVMs have compiled the EC and PSK paths (C2 needs
        // thousands of handshakes; ECDHE-ECDSA measured from a cold start is mostly JIT warm-up)
        long warm = start + Duration.ofSeconds(warmupSeconds).toNanos();
        long end = warm + Duration.ofSeconds(seconds).toNanos();
        LongAdder ok = new LongAdder();
        LongAdder failed = new LongAdder();
        LongAdder warmups = new LongAdder();
        AtomicInteger seq = new AtomicInteger();
        LongAdder startNs = new LongAdder();
        LongAdder exchangeNs = new LongAdder();
        LongAdder closeNs = new LongAdder();
        CountDownLatch done = new CountDownLatch(concurrency);
        for (int w = 0; w < concurrency; w++) {
            int worker = w;
            Thread t = new Thread(() -> {
                OneShot kept = null;
                try {
                    while (System.nanoTime() < end) {
                        long t0 = System.nanoTime();
                        InetSocketAddress local = new InetSocketAddress("127.0.0.1", 0);
                        DtlsConnectorConfig cfg = pki == null ? pskClient(c, local, "bench" + worker)
                                : x509Client(c, local, pki, certs.get(worker));
                        if (reuse) {
                            boolean good = false;
                            try {
                                if (kept == null) {
                                    kept = new OneShot(cfg, executor, server);
                                } else {
                                    kept.forget();
                                }
                                long t1 = System.nanoTime();
                                good = kept.exchange(ping(seq.incrementAndGet()), 5000) != null;
                                if (t0 >= warm) {
                                    startNs.add(t1 - t0);
                                    exchangeNs.add(System.nanoTime() - t1);
                                }
                            } catch (Exception e) {
                                good = false;
                            }
                            if (t0 >= warm) {
                                (good ? ok : failed).increment();
                            } else if (good) {
                                warmups.increment();
                            }
                            continue;
                        }
                        boolean good;
                        long t1 = t0;
                        long t2 = t0;
                        try (OneShot shot = new OneShot(cfg, executor, server)) {
                            t1 = System.nanoTime();
                            good = shot.exchange(ping(seq.incrementAndGet()), 5000) != null;
                            t2 = System.nanoTime();
                        } catch (Exception e) {
                            good = false;
                        }
                        if (t0 >= warm) {
                            (good ? ok : failed).increment();
                            startNs.add(t1 - t0);
                            exchangeNs.add(t2 - t1);
                            closeNs.add(System.nanoTime() - t2);
                        } else if (good) {
                            warmups.increment();
                        }
                    }
                } finally {
                    if (kept != null) {
                        kept.close();
                    }
                    done.countDown();
                }
            }, "hs-" + w);
            t.start();
        }
        sleepUntil(warm);
        long ticks0 = cpuTicks(pid);
        long wall0 = System.nanoTime();
        done.await();
        long ticks1 = cpuTicks(pid);
        double secs = (System.nanoTime() - wall0) / 1e9;
        double cpuSecs = (ticks1 - ticks0) / (double) clkTck();
        System.out.printf("handshakes mode=%s kind=%s client=%s concurrency=%d warmup=%d s (%d handshakes) "
                        + "seconds=%.1f ok=%d failed=%d rate=%.0f hs/s "
                        + "server_cpu=%.2f s (%.0f%% of a core) server_cpu_per_hs=%.0f us "
                        + "client_ms(start/handshake+ping/close)=%.1f/%.1f/%.1f%n", mode, kind,
                reuse ? "reused-connector" : "new-connector", concurrency, warmupSeconds, warmups.sum(),
                secs, ok.sum(), failed.sum(), ok.sum() / secs, cpuSecs, 100 * cpuSecs / secs,
                ok.sum() == 0 ? 0 : cpuSecs * 1e6 / ok.sum(), avgMs(startNs, ok, failed), avgMs(exchangeNs, ok, failed),
                avgMs(closeNs, ok, failed));
        executor.shutdownNow();
    }

    private static double avgMs(LongAdder ns, LongAdder ok, LongAdder failed) {
        long n = ok.sum() + failed.sum();
        return n == 0 ? 0 : ns.sum() / 1e6 / n;
    }

    // ---- memory per authorized DTLS session ----

    /** A distinct loopback peer address per device: 127.(2 + i / 62500).x.y, ephemeral port. */
    static InetSocketAddress deviceAddress(int i) throws IOException {
        byte[] ip = {127, (byte) (2 + i / 62_500), (byte) (1 + (i / 250) % 250), (byte) (1 + i % 250)};
        return new InetSocketAddress(InetAddress.getByAddress(ip), 0);
    }

    static void sessions(String mode, int port, long pid, int count, int concurrency, int posts, int quietSeconds)
            throws Exception {
        InetSocketAddress server = new InetSocketAddress("127.0.0.1", port);
        Configuration c = oneShotConfig("psk");
        long before = usedAfterGc(pid);
        ExecutorService executor = Executors.newFixedThreadPool(2);
        AtomicInteger next = new AtomicInteger();
        LongAdder ok = new LongAdder();
        LongAdder failed = new LongAdder();
        CountDownLatch done = new CountDownLatch(concurrency);
        long t0 = System.nanoTime();
        for (int w = 0; w < concurrency; w++) {
            Thread t = new Thread(() -> {
                try {
                    int i;
                    UdpDataSerializer serializer = new UdpDataSerializer();
                    while ((i = next.getAndIncrement()) < count) {
                        String id = "bench" + i;
                        Request r = Request.newPost();
                        r.setMID(i & 0xffff);
                        r.setToken(new byte[] {(byte) (i >> 24), (byte) (i >> 16), (byte) (i >> 8), (byte) i});
                        r.getOptions().setUriPath("authz-info").setContentFormat(MediaTypeRegistry.APPLICATION_CWT);
                        r.setPayload(TestTokens.token(id, Instant.now().plusSeconds(3600)).bytes());
                        byte[] datagram = serializer.getByteArray(r);
                        boolean good = false;
                        for (int attempt = 0; attempt < 3 && !good; attempt++) {
                            try (OneShot shot = new OneShot(pskClient(c, deviceAddress(i), id), executor, server)) {
                                Message m = shot.exchange(datagram, 5000);
                                good = m instanceof Response resp && resp.getCode() == ResponseCode.CREATED;
                                for (int k = 0; good && k < posts; k++) {
                                    Request p = Request.newPost();
                                    p.setMID((i + k + 1) & 0xffff);
                                    p.setToken(new byte[] {(byte) (k + 1), (byte) (i >> 16), (byte) (i >> 8), (byte) i});
                                    p.getOptions().setUriPath("d/" + id + "/up/temp")
                                            .setContentFormat(MediaTypeRegistry.APPLICATION_JSON);
                                    p.setPayload("{\"t\":21.5,\"h\":40}");
                                    Message pm = shot.exchange(serializer.getByteArray(p), 5000);
                                    good = pm instanceof Response resp && resp.getCode() == ResponseCode.CHANGED;
                                }
                            } catch (Exception e) {
                                good = false;
                            }
                        }
                        (good ? ok : failed).increment();
                    }
                } catch (Exception e) {
                    e.printStackTrace();
                } finally {
                    done.countDown();
                }
            }, "dev-" + w);
            t.start();
        }
        done.await();
        double setup = (System.nanoTime() - t0) / 1e9;
        Thread.sleep(quietSeconds * 1000L); // past dedupLifetime + sweep interval: the deduplicator has let go
        long after = usedAfterGc(pid);
        long per = ok.sum() == 0 ? 0 : (after - before) / ok.sum();
        double oneMillionGiB = per * 1e6 / (1L << 30);
        System.out.printf("sessions mode=%s posts_per_device=%d quiet=%d s sessions=%d failed=%d setup=%.1f s "
                        + "(%.0f handshakes+uploads/s) "
                        + "heap_before=%d MiB heap_after=%d MiB bytes_per_session=%d 1M_sessions=%.2f GiB "
                        + "(%.0f%% of 12 GiB)%n", mode, posts, quietSeconds, ok.sum(), failed.sum(), setup,
                ok.sum() / setup,
                before >> 20, after >> 20, per, oneMillionGiB, 100 * oneMillionGiB / 12);
        if (Boolean.getBoolean("bench.histogram")) { // what the heap holds per session: the top classes
            jcmd(pid, "GC.class_histogram").lines().limit(30).forEach(System.out::println);
        }
        executor.shutdownNow();
    }
}
