package io.edgeauth.broker.mqtt;

import static io.edgeauth.broker.mqtt.Clients.bytes;
import static io.edgeauth.broker.mqtt.TestPipeline.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import io.edgeauth.broker.auth.Protocol;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS, mutual TLS (required and optional client certificates) and WebSocket listeners. */
class MqttTlsTest {
    private static final String PASS = "changeit";

    @TempDir
    static Path dir;

    static String clientThumbprint;

    @BeforeAll
    static void certificates() throws Exception {
        keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-keystore", "server.p12",
                "-storetype", "PKCS12", "-storepass", PASS, "-keypass", PASS);
        keytool("-genkeypair", "-alias", "dev1", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=dev1",
                "-validity", "2", "-keystore", "client.p12", "-storetype", "PKCS12", "-storepass", PASS, "-keypass", PASS);
        keytool("-exportcert", "-alias", "server", "-keystore", "server.p12", "-storepass", PASS, "-file", "server.crt");
        keytool("-exportcert", "-alias", "dev1", "-keystore", "client.p12", "-storepass", PASS, "-file", "client.crt");
        keytool("-importcert", "-noprompt", "-alias", "dev1", "-file", "client.crt", "-keystore", "server-trust.p12",
                "-storetype", "PKCS12", "-storepass", PASS);
        keytool("-importcert", "-noprompt", "-alias", "server", "-file", "server.crt", "-keystore", "client-trust.p12",
                "-storetype", "PKCS12", "-storepass", PASS);
        byte[] der = Files.readAllBytes(dir.resolve("client.crt"));
        clientThumbprint = Base64.getUrlEncoder().withoutPadding()
                .encodeToString(MessageDigest.getInstance("SHA-256").digest(der));
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

    private static EdgeFixture edge(MqttSettings.ClientAuth clientAuth) throws Exception {
        MqttSettings.Tls tls = new MqttSettings.Tls(dir.resolve("server.p12"), PASS, dir.resolve("server-trust.p12"),
                PASS, clientAuth);
        return new EdgeFixture(MqttSettings.plain(-1).withTls(0, tls));
    }

    private static KeyStore load(String name) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve(name))) {
            ks.load(in, PASS.toCharArray());
        }
        return ks;
    }

    private static Mqtt5ClientBuilder tlsClient(String id, int port, boolean withCert) throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(load("client-trust.p12"));
        var ssl = Clients.v5(id, port).sslConfig().trustManagerFactory(tmf).hostnameVerifier((h, s) -> true);
        if (withCert) {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(load("client.p12"), PASS.toCharArray());
            ssl = ssl.keyManagerFactory(kmf);
        }
        return ssl.applySslConfig();
    }

    private static void connect(Mqtt5BlockingClient c, String token) {
        c.connectWith().simpleAuth().username("dev1").password(bytes(token)).applySimpleAuth().send();
    }

    @Test
    void requiredClientCertificateIsHandedToThePipeline() throws Exception {
        try (EdgeFixture fx = edge(MqttSettings.ClientAuth.REQUIRED)) {
            assertThat(fx.edge.port()).isEqualTo(-1);
            Mqtt5BlockingClient c = tlsClient("dev1", fx.edge.tlsPort(), true).buildBlocking();
            connect(c, "dev1|t|60|||" + clientThumbprint); // token bound to the certificate
            assertThat(fx.pipeline.requests.get(0).transport().clientCertThumbprint()).isEqualTo(clientThumbprint);
            assertThat(fx.pipeline.requests.get(0).transport().secureChannel()).isTrue();
            c.disconnect();
            Mqtt5BlockingClient noCert = tlsClient("dev1", fx.edge.tlsPort(), false).buildBlocking();
            assertThatThrownBy(() -> connect(noCert, token("dev1", "t", 60))); // handshake refused
        }
    }

    @Test
    void aTlsConnectionBeyondThePendingHandshakeLimitIsClosedUnread() throws Exception {
        var meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        var admission = new io.edgeauth.broker.admission.AdmissionControl(
                new io.edgeauth.broker.admission.AdmissionLimits(1000, 1, 1), meters);
        MqttSettings.Tls tls = new MqttSettings.Tls(dir.resolve("server.p12"), PASS, dir.resolve("server-trust.p12"),
                PASS, MqttSettings.ClientAuth.REQUEST);
        try (EdgeFixture fx = new EdgeFixture(MqttSettings.plain(-1).withTls(0, tls),
                io.edgeauth.broker.policy.rate.LocalRateLimits.Settings.defaults(), admission)) {
            try (java.net.Socket hold = new java.net.Socket("127.0.0.1", fx.edge.tlsPort())) {
                // a client that sent the start of a ClientHello and stalls holds the only place (one that sent nothing
                // does not: aSilentConnectionTakesNoHandshakePlace)
                hold.getOutputStream().write(CLIENT_HELLO_START);
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                        .until(() -> admission.pendingHandshakes() == 1);
                try (java.net.Socket shed = new java.net.Socket("127.0.0.1", fx.edge.tlsPort())) {
                    shed.setSoTimeout(5000);
                    shed.getOutputStream().write(CLIENT_HELLO_START);
                    assertThat(shed.getInputStream().read()).as("closed on its first bytes, nothing sent").isEqualTo(-1);
                }
                assertThat(meters.get("edgeauth.admission.handshakes.shed").tag("edge", "mqtt").counter().count())
                        .isEqualTo(1);
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> admission.pendingHandshakes() == 0);
            for (int i = 0; i < 3; i++) { // one after the other: each handshake returns its place when it is done
                Mqtt5BlockingClient c = tlsClient("dev1", fx.edge.tlsPort(), false).buildBlocking();
                connect(c, token("dev1", "t", 60));
                assertThat(admission.pendingHandshakes()).isZero();
                c.disconnect();
            }
            // a handshake that fails (a client speaking plain MQTT to the TLS port) returns it too
            Mqtt5BlockingClient plain = Clients.v5("dev1", fx.edge.tlsPort()).buildBlocking(); // no TLS at all
            assertThatThrownBy(() -> connect(plain, token("dev1", "t", 60)));
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> admission.pendingHandshakes() == 0);
        }
    }

    /** The first bytes of a TLS 1.2+ record carrying a ClientHello: a record header, then a partial handshake header. */
    private static final byte[] CLIENT_HELLO_START = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01};

    /**
     * A connection that sends nothing takes no handshake place: before, each held one until Netty's 10 s handshake
     * timeout, so 1,000 silent connections (a hundred a second) shut out every TLS, WebSocket and DTLS handshake of the
     * node. It is closed at {@code mqtt.connectTimeout} from its accept, and so is one whose handshake stalls (that
     * was Netty's 10 s whatever the setting said).
     */
    @Test
    void aSilentConnectionTakesNoHandshakePlaceAndEveryStalledOneEndsAtTheConnectTimeout() throws Exception {
        var meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        var admission = new io.edgeauth.broker.admission.AdmissionControl(
                new io.edgeauth.broker.admission.AdmissionLimits(1000, 1, 1), meters);
        MqttSettings.Tls tls = new MqttSettings.Tls(dir.resolve("server.p12"), PASS, dir.resolve("server-trust.p12"),
                PASS, MqttSettings.ClientAuth.REQUEST);
        MqttSettings settings = MqttSettings.plain(-1).withTls(0, tls).toBuilder()
                .connectTimeout(java.time.Duration.ofSeconds(2)).build();
        try (EdgeFixture fx = new EdgeFixture(settings, io.edgeauth.broker.policy.rate.LocalRateLimits.Settings.defaults(),
                admission)) {
            java.util.List<java.net.Socket> silent = new java.util.ArrayList<>();
            try (java.net.Socket stalled = new java.net.Socket("127.0.0.1", fx.edge.tlsPort())) {
                for (int i = 0; i < 5; i++) {
                    silent.add(new java.net.Socket("127.0.0.1", fx.edge.tlsPort()));
                }
                Thread.sleep(300);
                assertThat(admission.pendingHandshakes()).as("silent connections hold no place").isZero();
                Mqtt5BlockingClient c = tlsClient("dev1", fx.edge.tlsPort(), false).buildBlocking();
                connect(c, token("dev1", "t", 60)); // the only place is free for a real client
                c.disconnect();
                stalled.getOutputStream().write(CLIENT_HELLO_START);
                long start = System.nanoTime();
                for (java.net.Socket s : silent) {
                    s.setSoTimeout(8_000);
                    assertThat(s.getInputStream().read()).as("a silent connection is closed").isEqualTo(-1);
                }
                stalled.setSoTimeout(8_000);
                assertThat(stalled.getInputStream().read()).as("a stalled handshake is closed").isEqualTo(-1);
                assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).as("within the 2 s connect timeout")
                        .isLessThan(java.time.Duration.ofSeconds(5));
            } finally {
                for (java.net.Socket s : silent) {
                    s.close();
                }
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> admission.pendingHandshakes() == 0);
        }
    }

    @Test
    void optionalClientCertificate() throws Exception {
        try (EdgeFixture fx = edge(MqttSettings.ClientAuth.REQUEST)) {
            Mqtt5BlockingClient noCert = tlsClient("dev1", fx.edge.tlsPort(), false).buildBlocking();
            connect(noCert, token("dev1", "t", 60));
            assertThat(fx.pipeline.requests.get(0).transport().clientCertThumbprint()).isNull();
            noCert.disconnect();
            Mqtt5BlockingClient bound = tlsClient("dev1", fx.edge.tlsPort(), false).buildBlocking();
            assertThatThrownBy(() -> connect(bound, "dev1|t|60|||" + clientThumbprint))
                    .isInstanceOfSatisfying(Mqtt5ConnAckException.class, e -> assertThat(e.getMqttMessage().getReasonCode())
                            .isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED));
            Mqtt5BlockingClient withCert = tlsClient("dev1", fx.edge.tlsPort(), true).buildBlocking();
            connect(withCert, "dev1|t|60|||" + clientThumbprint);
            withCert.disconnect();
        }
    }

    @Test
    void secureWebSocketListenerGoesThroughHandshakeAdmission() throws Exception {
        MqttSettings.Tls tls = new MqttSettings.Tls(dir.resolve("server.p12"), PASS, dir.resolve("server-trust.p12"),
                PASS, MqttSettings.ClientAuth.REQUEST);
        try (EdgeFixture fx = new EdgeFixture(MqttSettings.plain(-1).withTls(-1, tls).withWebSocket(0, true))) {
            Mqtt5BlockingClient c = tlsClient("dev1", fx.edge.webSocketPort(), false).webSocketConfig().serverPath("mqtt")
                    .applyWebSocketConfig().buildBlocking();
            connect(c, token("dev1", "t", 60));
            assertThat(fx.pipeline.requests.get(0).transport().protocol()).isEqualTo(Protocol.MQTT_WS);
            assertThat(fx.pipeline.requests.get(0).transport().secureChannel()).isTrue();
            c.disconnect();
        }
    }

    @Test
    void webSocketListener() throws Exception {
        try (EdgeFixture fx = new EdgeFixture(MqttSettings.plain(-1).withWebSocket(0, false))) {
            Mqtt5BlockingClient c = Clients.v5("dev1", fx.edge.webSocketPort()).webSocketConfig().serverPath("mqtt")
                    .applyWebSocketConfig().buildBlocking();
            connect(c, token("dev1", "t", 60));
            assertThat(fx.pipeline.requests.get(0).transport().protocol()).isEqualTo(Protocol.MQTT_WS);
            try (var in = c.publishes(MqttGlobalPublishFilter.ALL)) {
                c.subscribeWith().topicFilter("d/dev1/up/#").send(); // not allowed for a device: refused
            } catch (RuntimeException expected) {
                assertThat(expected).hasMessageContaining("SUBACK");
            }
            c.publishWith().topic("d/dev1/up/x").qos(MqttQos.AT_LEAST_ONCE).payload(bytes("ws")).send();
            c.disconnect();
        }
    }
}
