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
final class ChaosBroker {
    private final Path dataDir;
    private final int httpPort;
    private final int mqttPort;
    private BrokerProcess process;
    private String admin;

    ChaosBroker(Path dataDir) throws IOException {
        this.dataDir = dataDir;
        this.httpPort = freePort();
        this.mqttPort = freePort();
    }

    /** Starts the broker and returns how long it took until its banner (ms). */
    long start() throws Exception {
        long t0 = System.nanoTime();
        process = BrokerProcess.start(TestBrokers.env(dataDir, Map.of(
                        "EDGEAUTH_HTTP_PORT", Integer.toString(httpPort),
                        "EDGEAUTH_MQTT_PORT", Integer.toString(mqttPort),
                        "EDGEAUTH_COAP_PORT", "-1",
                        // the stream's publisher may send far more than the default plan's 10 msg/s
                        "EDGEAUTH_RATE_PLANS", "{\"default\":{\"messagesPerSecond\":10,\"burst\":20,"
                                + "\"bytesPerSecond\":65536,\"connectsPerMinute\":30},\"chaos\":{\"messagesPerSecond\":"
                                + "100000,\"burst\":100000,\"bytesPerSecond\":100000000,\"connectsPerMinute\":600}}")),
                List.of("-Xmx512m"), ProcessBuilder.Redirect.DISCARD);
        if (process.admin() != null) {
            admin = process.admin(); // shown on the first start only
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }

    /** SIGKILL: no shutdown hook, no store close. */
    void kill() throws InterruptedException {
        process.process().destroyForcibly();
        if (!process.process().waitFor(20, TimeUnit.SECONDS)) {
            throw new IllegalStateException("broker did not die");
        }
    }

    void stop() throws InterruptedException {
        if (process != null) {
            process.close();
        }
    }

    String url() {
        return process.url();
    }

    int mqttPort() {
        return mqttPort;
    }

    String admin() {
        return admin;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
