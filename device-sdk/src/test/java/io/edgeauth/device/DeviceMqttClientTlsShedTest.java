package io.edgeauth.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker with too many TLS handshakes pending closes a new connection unread (no alert, no CONNACK): the
 * client backs off with jitter and comes back; a handshake refused with a TLS alert is not retried.
 */
class DeviceMqttClientTlsShedTest {
    private static final String PASS = "changeit";
    @TempDir
    static Path dir;
    static SSLContext serverTls;
    static TrustManagerFactory trust;

    @BeforeAll
    static void certificates() throws Exception {
        keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-keystore", "server.p12",
                "-storetype", "PKCS12", "-storepass", PASS, "-keypass", PASS);
        keytool("-exportcert", "-alias", "server", "-keystore", "server.p12", "-storepass", PASS, "-file", "server.crt");
        keytool("-importcert", "-noprompt", "-alias", "server", "-file", "server.crt", "-keystore", "trust.p12",
                "-storetype", "PKCS12", "-storepass", PASS);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(load("server.p12"), PASS.toCharArray());
        serverTls = SSLContext.getInstance("TLS");
        serverTls.init(kmf.getKeyManagers(), null, null);
        trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(load("trust.p12"));
    }

    private static KeyStore load(String name) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve(name))) {
            ks.load(in, PASS.toCharArray());
        }
        return ks;
    }

    private static void keytool(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + out);
        }
    }

    /**
     * Closes the first {@code shed} connections unread (with a TCP reset when {@code reset}: what a client sees when
     * its ClientHello had arrived before the close), then answers CONNECT over TLS with success.
     */
    static final class TlsSheddingServer implements AutoCloseable {
        final AtomicInteger accepted = new AtomicInteger();
        private final ServerSocket server;
        private final boolean reset;

        TlsSheddingServer(int shed) throws IOException {
            this(shed, false);
        }

        TlsSheddingServer(int shed, boolean reset) throws IOException {
            this.reset = reset;
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread t = new Thread(() -> serve(shed), "tls-shedding-mqtt");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve(int shed) {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    if (accepted.incrementAndGet() <= shed) {
                        if (reset) {
                            s.setSoLinger(true, 0);
                        }
                        continue; // closed unread, as the broker sheds a handshake
                    }
                    SSLSocket tls = (SSLSocket) serverTls.getSocketFactory().createSocket(s, null, s.getPort(), true);
                    tls.setUseClientMode(false);
                    DataInputStream in = new DataInputStream(tls.getInputStream());
                    DeviceMqttClientBusyTest.SheddingServer.skipPacket(in); // CONNECT
                    tls.getOutputStream().write(new byte[] {0x20, 3, 0, 0, 0});
                    tls.getOutputStream().flush();
                    while (in.read() >= 0) { // until the client disconnects
                    }
                } catch (IOException e) {
                    // the connection ended or the server closed
                }
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    private static DeviceMqttClient client(int port, TrustManagerFactory trusted) {
        return DeviceMqttClient.builder().deviceId("storm-1").serverHost("127.0.0.1").serverPort(port)
                .enhancedAuth(false).token(new AccessToken("eyJhbGciOiJub25lIn0.e30.", TokenFormat.JWT, "Bearer", null,
                        Instant.now(), Instant.now().plusSeconds(600))).busyRetries(8).tls(trusted).build();
    }

    @Test
    void aConnectionClosedUnreadIsRetriedUntilTheHandshakeIsAdmitted() throws Exception {
        try (TlsSheddingServer broker = new TlsSheddingServer(2)) {
            DeviceMqttClient mqtt = client(broker.port(), trust);
            mqtt.toBlocking().connect();
            assertThat(mqtt.isConnected()).isTrue();
            assertThat(broker.accepted.get()).isEqualTo(3);
            mqtt.toBlocking().disconnect();
        }
    }

    @Test
    void aConnectionResetBeforeAnyAnswerIsRetriedToo() throws Exception {
        try (TlsSheddingServer broker = new TlsSheddingServer(2, true)) {
            DeviceMqttClient mqtt = client(broker.port(), trust);
            mqtt.toBlocking().connect();
            assertThat(mqtt.isConnected()).isTrue();
            assertThat(broker.accepted.get()).isEqualTo(3);
            mqtt.toBlocking().disconnect();
        }
    }

    @Test
    void aHandshakeRefusedWithAnAlertIsNotRetried() throws Exception {
        TrustManagerFactory nobody = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        KeyStore empty = KeyStore.getInstance("PKCS12");
        empty.load(null, null);
        nobody.init(empty);
        try (TlsSheddingServer broker = new TlsSheddingServer(0)) {
            Throwable t = catchThrowable(() -> client(broker.port(), nobody).toBlocking().connect());
            assertThat(DeviceMqttClient.failureReason(t)).isEqualTo("connection_failed");
            assertThat(broker.accepted.get()).isEqualTo(1);
        }
    }
}

