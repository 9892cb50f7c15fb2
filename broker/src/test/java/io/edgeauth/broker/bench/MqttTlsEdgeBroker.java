package io.edgeauth.broker.bench;

import io.edgeauth.broker.testsupport.BrokerProcess;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.token.TokenClaims;
import io.edgeauth.broker.token.TokenFormat;
import io.edgeauth.broker.token.TokenIssuer;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The real broker ({@code BrokerCli run}, its own JVM) with an MQTT TLS listener on a fixed
 * port (so one server per event loop, as in production), for {@link MqttTlsConnectBench}. It registers
 * one device per client loop ({@code tls-N}, with a device JWK) through the admin API and pre-issues
 * ES256 access tokens for them with the tenant's own signing key, read from the broker's data directory
 * after it generated it: the same tokens its token endpoint would hand out, verified by the real
 * pipeline (signature by kid, iss/aud/exp/nbf, revocation, device registry, connection guard). Each
 * connect takes a token not used before, so the broker's verification cache never hits, until the pool
 * runs out ({@link #reused()} counts connects after that).
 */
final class MqttTlsEdgeBroker implements MqttTlsConnectBench.Credentials, AutoCloseable {

    private final BrokerProcess process;
    private final Path data;
    private final int tlsPort;
    private final byte[][][] tokens; // [loop][k]
    private final AtomicInteger[] next;
    private final AtomicLong reused = new AtomicLong();

    private MqttTlsEdgeBroker(BrokerProcess process, Path data, int tlsPort, byte[][][] tokens) {
        this.process = process;
        this.data = data;
        this.tlsPort = tlsPort;
        this.tokens = tokens;
        this.next = new AtomicInteger[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            next[i] = new AtomicInteger();
        }
    }

    static MqttTlsEdgeBroker start(Path keyStore, int loops, int tokenCount) throws Exception {
        Path data = Files.createTempDirectory("edgeauth-tls-bench");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, String> env = TestBrokers.env(data, Map.of(
                "EDGEAUTH_MQTT_PORT", "-1",
                "EDGEAUTH_MQTT_TLS_PORT", Integer.toString(port),
                "EDGEAUTH_MQTT_KEY_STORE", keyStore.toString(),
                "EDGEAUTH_MQTT_KEY_STORE_PASSWORD", "changeit",
                "EDGEAUTH_MQTT_CLIENT_AUTH", "none",
                "EDGEAUTH_COAP_PORT", "-1",
                // the brute-force guards would (rightly) stop one address connecting thousands of times a second
                "EDGEAUTH_CONNECTION_GUARD_PER_DEVICE_PER_MINUTE", "1000000",
                "EDGEAUTH_CONNECTION_GUARD_PER_ADDRESS_PER_MINUTE", "1000000"));
        BrokerProcess broker = BrokerProcess.start(env, BenchBrokers.jvmArgs(), ProcessBuilder.Redirect.INHERIT);
        try {
            TokenIssuer issuer = BenchBrokers.registerDevices(broker, data, "tls-", loops);
            int perLoop = Math.max(1, tokenCount / loops);
            byte[][][] tokens = new byte[loops][perLoop][];
            for (int i = 0; i < loops; i++) {
                for (int k = 0; k < perLoop; k++) {
                    tokens[i][k] = issuer.issue(TokenClaims.builder("default", "tls-" + i).audience("edgeauth")
                            .lifetime(Duration.ofMinutes(10)).build(), TokenFormat.JWT).bytes();
                }
            }
            return new MqttTlsEdgeBroker(broker, data, port, tokens);
        } catch (Exception | Error e) {
            broker.close();
            delete(data);
            throw e;
        }
    }

    int tlsPort() {
        return tlsPort;
    }

    long pid() {
        return process.pid();
    }

    @Override
    public Object[] next(int loop) {
        int k = next[loop].getAndIncrement();
        if (k >= tokens[loop].length) {
            reused.incrementAndGet();
        }
        String id = "tls-" + loop;
        return new Object[] {id, id, tokens[loop][k % tokens[loop].length]};
    }

    @Override
    public long reused() {
        return reused.get();
    }

    @Override
    public void close() throws Exception {
        process.close();
        delete(data);
    }

    /** The broker's data directory, its signing keys included, is not left behind in the temporary folder. */
    private static void delete(Path dir) throws java.io.IOException {
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
