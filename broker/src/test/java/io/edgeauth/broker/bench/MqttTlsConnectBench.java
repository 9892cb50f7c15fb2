package io.edgeauth.broker.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * New authenticated MQTT connections per second over TLS, for {@code bench/mqtt-tls-connects}. N client
 * loops each: open a TCP connection, full TLS handshake (a fresh client SSLContext per connection, so
 * nothing can be resumed), MQTT 5 CONNECT with a credential, wait for CONNACK (success required),
 * DISCONNECT, close. A warm-up period precedes the measured one; the broker's CPU (utime+stime of
 * {@code -Dbench.pid}, /proc) and this client's are read around the measured period.
 *
 * <p>Credentials come from a {@link Credentials} source: {@link MqttTlsEdgeBroker} (the real broker,
 * ES256 tokens, a fresh one per connect) or user/password pairs for mosquitto
 * ({@code -Dbench.password}, users {@code dev0..devN-1}).
 *
 * <p>usage: {@code MqttTlsConnectBench host:port|edge caCert.pem concurrency warmupSeconds seconds}; for
 * {@code edge} also {@code -Dbench.keyStore=server.p12} (password {@code changeit}).
 */
public final class MqttTlsConnectBench {
    private MqttTlsConnectBench() {
    }

    /** Where each connect's client id, username and password come from (thread-safe). */
    interface Credentials {
        /** Loop {@code loop}'s next CONNECT: {clientId, username, password}. */
        Object[] next(int loop);

        /** How many connects had to reuse a credential already used (a verification cache may hit). */
        default long reused() {
            return 0;
        }
    }

    public static void main(String[] args) throws Exception {
        if (io.edgeauth.broker.crypto.CryptoProviders.accpAvailable()) {
            // native EC, ECDH, AES-GCM and HKDF for this client's handshakes: in pure Java they cost milliseconds
            // of CPU per connect, on the cores the broker under test needs (the same client for every broker)
            com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider.install();
        }
        String target = args[0];
        Path caCert = Path.of(args[1]);
        int loops = Integer.parseInt(args[2]);
        int warmup = Integer.parseInt(args[3]);
        int seconds = Integer.parseInt(args[4]);
        String label = System.getProperty("bench.label", target);
        String verified = System.getProperty("bench.verified", "");
        AutoCloseable broker = () -> { };
        String host;
        int port;
        long pid;
        Credentials credentials;
        if (target.equals("edge")) {
            MqttTlsEdgeBroker edge = MqttTlsEdgeBroker.start(Path.of(System.getProperty("bench.keyStore")), loops,
                    Integer.getInteger("bench.tokens", 40_000));
            broker = edge;
            host = "127.0.0.1";
            port = edge.tlsPort();
            pid = edge.pid();
            credentials = edge;
        } else {
            host = target.substring(0, target.lastIndexOf(':'));
            port = Integer.parseInt(target.substring(target.lastIndexOf(':') + 1));
            pid = Long.getLong("bench.pid", -1);
            byte[] password = System.getProperty("bench.password", "").getBytes(StandardCharsets.UTF_8);
            credentials = loop -> new Object[] {"dev" + loop, "dev" + loop, password};
        }
        try {
            System.out.println(run(label, host, port, pid, trust(caCert), credentials, loops, warmup, seconds, verified));
        } finally {
            broker.close();
        }
        System.exit(0);
    }

    private static String run(String label, String host, int port, long pid, TrustManagerFactory trust,
                              Credentials credentials, int loops, int warmup, int seconds, String verified)
            throws Exception {
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        String[] firstError = new String[1];
        String[] tls = new String[1];
        long[][] latencies = new long[loops][];
        int[] counts = new int[loops];
        long start = System.nanoTime();
        long measureFrom = start + TimeUnit.SECONDS.toNanos(warmup);
        long end = measureFrom + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < loops; i++) {
            int loop = i;
            latencies[i] = new long[1 << 16];
            Thread t = new Thread(() -> {
                while (true) {
                    long t0 = System.nanoTime();
                    if (t0 >= end) {
                        break;
                    }
                    try {
                        String session = connectOnce(host, port, trust, credentials.next(loop));
                        long t1 = System.nanoTime();
                        if (t0 >= measureFrom && t1 <= end) {
                            ok.incrementAndGet();
                            if (counts[loop] < latencies[loop].length) {
                                latencies[loop][counts[loop]++] = t1 - t0;
                            }
                        }
                        if (tls[0] == null) {
                            tls[0] = session;
                        }
                    } catch (IOException | RuntimeException | java.security.GeneralSecurityException e) {
                        if (t0 >= measureFrom) {
                            failed.incrementAndGet();
                        }
                        synchronized (firstError) {
                            if (firstError[0] == null) {
                                firstError[0] = e.toString();
                            }
                        }
                    }
                }
            }, "tls-connect-" + i);
            threads.add(t);
            t.start();
        }
        long self = ProcessHandle.current().pid();
        Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(measureFrom - System.nanoTime())));
        long[] machineBefore = MqttLoadBench.machineTicks();
        long cpuBefore = MqttLoadBench.cpuTicks(pid);
        long selfBefore = MqttLoadBench.cpuTicks(self);
        Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())));
        long cpuAfter = MqttLoadBench.cpuTicks(pid);
        long selfAfter = MqttLoadBench.cpuTicks(self);
        long[] machineAfter = MqttLoadBench.machineTicks();
        for (Thread t : threads) {
            t.join(30_000);
        }
        long n = ok.get();
        long[] all = new long[0];
        for (int i = 0; i < loops; i++) {
            int from = all.length;
            all = Arrays.copyOf(all, from + counts[i]);
            System.arraycopy(latencies[i], 0, all, from, counts[i]);
        }
        Arrays.sort(all);
        return String.format(Locale.ROOT, "target=%s loops=%d seconds=%d connects=%d failed=%d connects/s=%.0f"
                        + " p50=%.2fms p99=%.2fms broker_cpu_us/connect=%.0f client_cpu_us/connect=%.0f other_cpu=%.0f%%"
                        + " tls=%s reused_credentials=%d verified=\"%s\"%s",
                label, loops, seconds, n, failed.get(), n / (double) seconds, pct(all, 0.5), pct(all, 0.99),
                n == 0 || cpuBefore < 0 ? Double.NaN : (cpuAfter - cpuBefore) * 10_000.0 / n,
                n == 0 ? Double.NaN : (selfAfter - selfBefore) * 10_000.0 / n,
                MqttLoadBench.otherPercent(machineBefore, machineAfter, (cpuAfter - cpuBefore) + (selfAfter - selfBefore)),
                tls[0], credentials.reused(), verified,
                firstError[0] == null ? "" : " first_error=\"" + firstError[0] + "\"");
    }

    /** One full connect; returns "protocol/cipher" of the TLS session. */
    private static String connectOnce(String host, int port, TrustManagerFactory trust, Object[] credential)
            throws IOException, java.security.GeneralSecurityException {
        // a fresh context per connection: its client session cache is empty, so every handshake is a full one
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(host, port)) {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(MqttWire.connect(5, (String) credential[0], (String) credential[1], (byte[]) credential[2]));
            out.flush();
            MqttWire.Packet connack = MqttWire.read(Channels.newChannel(in));
            if (connack.type() != MqttWire.CONNACK || connack.body().length < 2 || connack.body()[1] != 0) {
                throw new IOException("CONNACK refused: reason " + (connack.body().length > 1 ? connack.body()[1] & 0xFF : -1));
            }
            out.write(MqttWire.disconnect());
            out.flush();
            return socket.getSession().getProtocol() + "/" + socket.getSession().getCipherSuite();
        }
    }

    private static TrustManagerFactory trust(Path caCert) throws Exception {
        X509Certificate cert;
        try (InputStream in = Files.newInputStream(caCert)) {
            cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("server", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        return tmf;
    }

    private static double pct(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (sorted.length * p))] / 1e6;
    }
}
