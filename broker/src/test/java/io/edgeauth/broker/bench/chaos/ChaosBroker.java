package io.edgeauth.broker.bench.chaos;

import io.edgeauth.broker.testsupport.BrokerProcess;
import io.edgeauth.broker.testsupport.TestBrokers;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One broker identity across restarts: the same data directory and the same fixed ports (so the issuer,
 * and with it every token issued before a crash, stays valid, and clients reconnect where they were).
 */
public final class ChaosBroker {
    private final Path dataDir;
    private final int httpPort;
    private final int mqttPort;
    private final int dtlsPort;
    private BrokerProcess process;
    /** The broker's stderr, appended across restarts (-Dchaos.brokerStderr, else a temp file). */
    private final Path stderr;
    private String admin;

    public ChaosBroker(Path dataDir) throws IOException {
        this.dataDir = dataDir;
        String path = System.getProperty("chaos.brokerStderr");
        this.stderr = path != null ? Path.of(path) : java.nio.file.Files.createTempFile("edgeauth-chaos", ".err");
        this.httpPort = freePort();
        this.mqttPort = freePort();
        try (java.net.DatagramSocket udp = new java.net.DatagramSocket(0)) {
            this.dtlsPort = udp.getLocalPort();
        }
    }

    /** Starts the broker and returns how long it took until its banner (ms). */
    public long start() throws Exception {
        long t0 = System.nanoTime();
        process = BrokerProcess.start(TestBrokers.env(dataDir, Map.of(
                        "EDGEAUTH_HTTP_PORT", Integer.toString(httpPort),
                        "EDGEAUTH_MQTT_PORT", Integer.toString(mqttPort),
                        "EDGEAUTH_COAP_PORT", "-1",
                        "EDGEAUTH_COAP_DTLS_PORT", Integer.toString(dtlsPort),
                        // the stream's publisher may send far more than the default plan's 10 msg/s
                        "EDGEAUTH_RATE_PLANS", "{\"default\":{\"messagesPerSecond\":10,\"burst\":20,"
                                + "\"bytesPerSecond\":65536},\"chaos\":{\"messagesPerSecond\":"
                                + "1000000,\"burst\":10000000,\"bytesPerSecond\":1000000000}}")), // the highest plan
                jvmArgs(), ProcessBuilder.Redirect.appendTo(stderr.toFile()));
        if (process.admin() != null) {
            admin = process.admin(); // shown on the first start only
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }

    /** -Xmx512m plus {@code -Dchaos.brokerJvmArgs} (space-separated), e.g. native memory tracking. */
    private static List<String> jvmArgs() {
        List<String> args = new java.util.ArrayList<>(List.of("-Xmx512m"));
        String extra = System.getProperty("chaos.brokerJvmArgs", "").trim();
        if (!extra.isEmpty()) {
            args.addAll(List.of(extra.split("\\s+")));
        }
        return args;
    }

    /** SIGKILL: no shutdown hook, no store close. */
    public void kill() throws InterruptedException {
        process.process().destroyForcibly();
        if (!process.process().waitFor(20, TimeUnit.SECONDS)) {
            throw new IllegalStateException("broker did not die");
        }
    }

    public void stop() throws InterruptedException {
        if (process != null) {
            process.close();
        }
    }

    /** The DTLS (CoAP) port, the same across restarts. */
    public int dtlsPort() {
        return dtlsPort;
    }

    public String url() {
        return process.url();
    }

    public int mqttPort() {
        return mqttPort;
    }

    /** The last line of the broker's stderr that says why (an exception message or an error line). */
    public String lastError() throws IOException {
        List<String> lines = java.nio.file.Files.readAllLines(stderr);
        for (int i = lines.size() - 1; i >= 0; i--) {
            String l = lines.get(i).strip();
            if (!l.isEmpty() && !l.startsWith("at ") && !l.startsWith("...")) {
                return l.length() > 240 ? l.substring(0, 240) : l;
            }
        }
        return "(nothing on stderr)";
    }

    /** The broker process's pid (for RSS and heap readings). */
    public long pid() {
        return process.pid();
    }

    public String admin() {
        return admin;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
