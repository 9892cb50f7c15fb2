package io.edgeauth.broker.mqtt;

import static io.edgeauth.broker.tls.TlsTestFiles.OPENSSL;
import static io.edgeauth.broker.tls.TlsTestFiles.PASS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.edgeauth.broker.provisioning.FleetPki;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.edgeauth.broker.tls.TlsMaterialException;
import io.edgeauth.broker.tls.TlsTestFiles;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Device certificates on the MQTT mutual-TLS listener as {@code openssl s_client} sees them: the alert an untrusted
 * or revoked certificate gets, renegotiation, and reloading the server certificate, trust store and CRL.
 * Skips without openssl, unless EDGEAUTH_REQUIRE_INTEROP_TOOLS=true.
 */
class MqttTlsTrustTest {
    @TempDir
    Path dir;
    private FleetPki caA;
    private FleetPki caB;
    private FleetPki serverCa;
    private EdgeFixture fx;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(TlsTestFiles.opensslPresent(), "openssl not installed: TLS trust not checked");
        caA = new FleetPki("device CA A");
        caB = new FleetPki("device CA B");
        serverCa = new FleetPki("server CA");
        TlsTestFiles.pkcs12(dir.resolve("server.p12"), server());
        TlsTestFiles.pem(dir.resolve("trust.pem"), caA.caCertificate());
        device(caA, "devA");
        device(caB, "devB");
    }

    private EdgeFixture edge(Path crl) throws Exception {
        MqttSettings.Tls tls = new MqttSettings.Tls(dir.resolve("server.p12"), PASS, dir.resolve("trust.pem"), PASS,
                MqttSettings.ClientAuth.REQUIRED, crl);
        fx = new EdgeFixture(MqttSettings.plain(-1).withTls(0, tls));
        return fx;
    }

    @AfterEach
    void stop() throws Exception {
        if (fx != null) {
            fx.close();
        }
    }

    private FleetPki.Issued server() throws Exception {
        return TlsTestFiles.server(serverCa);
    }

    /** Writes {@code <name>.crt} and {@code <name>.key} for s_client. */
    private FleetPki.Issued device(FleetPki ca, String name) throws Exception {
        FleetPki.Issued d = ca.device(name);
        TlsTestFiles.pem(dir.resolve(name + ".crt"), d.cert());
        TlsTestFiles.keyPem(dir.resolve(name + ".key"), d.keys().getPrivate());
        return d;
    }

    private String sClient(String device, String input, String... options) throws Exception {
        return sClient(device, input.getBytes(StandardCharsets.US_ASCII), options);
    }

    private String sClient(String device, byte[] input, String... options) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(OPENSSL.toString(), "s_client", "-connect",
                "127.0.0.1:" + fx.edge.tlsPort(), "-cert", device + ".crt", "-key", device + ".key"));
        cmd.addAll(List.of(options));
        return TlsTestFiles.run(dir, input, cmd);
    }

    /** The server certificate s_client was shown. */
    private static X509Certificate served(String sClientOutput) throws Exception {
        int begin = sClientOutput.indexOf("-----BEGIN CERTIFICATE-----");
        int end = sClientOutput.indexOf("-----END CERTIFICATE-----");
        assertThat(begin).as(sClientOutput).isNotNegative();
        String pem = sClientOutput.substring(begin, end + "-----END CERTIFICATE-----".length());
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }

    private static boolean accepted(String sClientOutput) {
        return sClientOutput.contains("Cipher is ") && !sClientOutput.contains("Cipher is (NONE)")
                && !sClientOutput.contains("SSL alert number");
    }

    /** An MQTT 3.1.1 CONNECT with clean session, user name and password (the test pipeline's token). */
    private static byte[] connect(String id, String token) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0, 4, 'M', 'Q', 'T', 'T', 4, (byte) 0xC2, 0, 60});
        for (String field : List.of(id, id, token)) {
            byte[] b = field.getBytes(StandardCharsets.US_ASCII);
            body.write(b.length >> 8);
            body.write(b.length);
            body.writeBytes(b);
        }
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        packet.write(0x10);
        packet.write(body.size()); // under 128 bytes: one length byte
        packet.writeBytes(body.toByteArray());
        return packet.toByteArray();
    }

    @Test
    void untrustedDeviceCertificateGetsUnknownCa() throws Exception {
        edge(null);
        assertThat(sClient("devB", "", "-tls1_2")).contains("SSL alert number 48");
        // TLS 1.3: the client's handshake is over before the server checks its certificate; the alert comes next
        assertThat(sClient("devB", "", "-tls1_3", "-ign_eof")).contains("SSL alert number 48");
        assertThat(accepted(sClient("devA", "", "-tls1_2"))).isTrue();
    }

    /** Tour O, F12: the refusal's log line did not say from where, and no metric moved. */
    @Test
    void anUntrustedDeviceCertificateIsLoggedWithThePeerAndCountedByReason() throws Exception {
        edge(null);
        try (io.edgeauth.broker.testsupport.LogCapture log = io.edgeauth.broker.testsupport.LogCapture.root()) {
            assertThat(sClient("devB", "", "-tls1_2")).contains("SSL alert number 48");
            assertThat(sClient("devB", "", "-tls1_2")).contains("SSL alert number 48");
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                    fx.counter("edgeauth.mqtt.tls.refused", "reason", "certificate_untrusted")).isEqualTo(2));
            assertThat(log.withoutAudit()).filteredOn(e -> e.getFormattedMessage().contains("does not chain"))
                    .as("one line a minute at most").singleElement()
                    .satisfies(e -> assertThat(e.getFormattedMessage()).contains("127.0.0.1:"));
        }
    }

    @Test
    void revokedDeviceCertificateGetsCertificateRevoked() throws Exception {
        FleetPki.Issued revoked = device(caA, "devR");
        TlsTestFiles.pem(dir.resolve("crl.pem"), caA.crl(revoked.cert()));
        edge(dir.resolve("crl.pem"));
        assertThat(sClient("devR", "", "-tls1_2")).contains("SSL alert number 44");
        assertThat(sClient("devR", "", "-tls1_3", "-ign_eof")).contains("SSL alert number 44");
        assertThat(accepted(sClient("devA", "", "-tls1_2"))).isTrue();
    }

    @Test
    void expiredDeviceCertificateGetsCertificateExpired() throws Exception {
        // tour W, W9: a certificate from a trusted CA that has expired was answered unknown_ca (48)
        FleetPki.Issued old = caA.device("devX", java.time.Instant.now().minusSeconds(30 * 86_400),
                java.time.Instant.now().minusSeconds(28 * 86_400), org.bouncycastle.asn1.x509.KeyUsage.digitalSignature,
                org.bouncycastle.asn1.x509.KeyPurposeId.id_kp_clientAuth);
        TlsTestFiles.pem(dir.resolve("devX.crt"), old.cert());
        TlsTestFiles.keyPem(dir.resolve("devX.key"), old.keys().getPrivate());
        edge(null);
        assertThat(sClient("devX", "", "-tls1_2")).contains("SSL alert number 45");
    }

    @Test
    void clientInitiatedRenegotiationIsRefused() throws Exception {
        edge(null);
        String out = sClient("devA", "R\n", "-tls1_2");
        assertThat(out).contains("RENEGOTIATING").contains("no renegotiation");
    }

    @Test
    void reloadServesTheNewCertificateTrustAndCrlToNewConnectionsAndKeepsOldOnes() throws Exception {
        edge(writeCrl());
        X509Certificate before = served(sClient("devA", "", "-tls1_2"));
        assertThat(sClient("devB", "", "-tls1_2")).contains("SSL alert number 48");
        FleetPki.Issued devR = device(caA, "devR");
        assertThat(accepted(sClient("devR", "", "-tls1_2"))).isTrue();
        Mqtt5BlockingClient live = mqttClient("devA");

        FleetPki.Issued next = server();
        TlsTestFiles.pkcs12(dir.resolve("server.p12"), next);
        TlsTestFiles.pem(dir.resolve("trust.pem"), caA.caCertificate(), caB.caCertificate());
        TlsTestFiles.pem(dir.resolve("crl.pem"), caA.crl(devR.cert()));
        var summary = fx.edge.reloadTls();

        assertThat(summary.serverSerial()).isEqualTo(next.cert().getSerialNumber().toString(16));
        assertThat(summary.trustAnchors()).isEqualTo(2);
        assertThat(summary.revokedEntries()).isEqualTo(1);
        X509Certificate after = served(sClient("devA", "", "-tls1_2"));
        assertThat(after).isEqualTo(next.cert()).isNotEqualTo(before);
        assertThat(accepted(sClient("devB", "", "-tls1_2"))).as("a device CA trusted by the reload").isTrue();
        assertThat(sClient("devR", "", "-tls1_2")).contains("SSL alert number 44");
        assertThat(live.getState().isConnected()).as("a connection from before the reload").isTrue();
        live.publishWith().topic("d/devA/up/x").payload(new byte[] {1}).send();
        live.disconnect();
        assertThat(fx.audit).anyMatch(e -> e.event().equals("tls.reloaded") && e.outcome().equals("ok"));
    }

    @Test
    void aReloadWithABadFileIsRefusedAndTheOldMaterialStays() throws Exception {
        edge(null);
        X509Certificate before = served(sClient("devA", "", "-tls1_2"));
        TlsTestFiles.pkcs12(dir.resolve("server.p12"), server());
        Files.writeString(dir.resolve("trust.pem"), "not a certificate\n");
        assertThatThrownBy(() -> fx.edge.reloadTls()).isInstanceOf(TlsMaterialException.class)
                .hasMessageContaining("mqtt.trustStore").hasMessageContaining("trust.pem");
        assertThat(fx.audit).anyMatch(e -> e.event().equals("tls.reloaded") && e.outcome().equals("refused"));
        assertThat(served(sClient("devA", "", "-tls1_2"))).isEqualTo(before);
        assertThat(sClient("devB", "", "-tls1_2")).contains("SSL alert number 48");
        Files.writeString(dir.resolve("server.p12"), "truncated");
        TlsTestFiles.pem(dir.resolve("trust.pem"), caA.caCertificate());
        assertThatThrownBy(() -> fx.edge.reloadTls()).isInstanceOf(TlsMaterialException.class)
                .hasMessageContaining("mqtt.keyStore").hasMessageContaining("server.p12");
        assertThat(served(sClient("devA", "", "-tls1_2"))).isEqualTo(before);
    }

    @Test
    void aSessionResumedAfterACrlReloadIsRefusedAtConnect() throws Exception {
        edge(writeCrl());
        FleetPki.Issued devR = device(caA, "devR");
        String first = sClient("devR", "", "-tls1_2", "-sess_out", "devR.session");
        assertThat(accepted(first)).isTrue();
        TlsTestFiles.pem(dir.resolve("crl.pem"), caA.crl(devR.cert()));
        fx.edge.reloadTls();
        String resumed = sClient("devR", connect("devR", "devR|t|60"),
                "-tls1_2", "-sess_in", "devR.session", "-ign_eof");
        assertThat(resumed).contains("Reused, TLSv1.2");
        assertThat(fx.audit).anyMatch(e -> e.event().equals("mqtt.connect.refused") && e.outcome().equals("certificate_revoked"));
        assertThat(fx.pipeline.requests).isEmpty();
    }

    /** A CRL of CA A that revokes nothing yet. */
    private Path writeCrl() throws Exception {
        return TlsTestFiles.pem(dir.resolve("crl.pem"), caA.crl());
    }

    private Mqtt5BlockingClient mqttClient(String name) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        FleetPki.Issued d = device(caA, name + "-hivemq");
        keys.setKeyEntry("k", d.keys().getPrivate(), PASS.toCharArray(), new java.security.cert.Certificate[] {d.cert()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, PASS.toCharArray());
        // the test's server certificate names no host: the client checks nothing about it (the point is the client side)
        TrustManagerFactory tmf = InsecureTrustManagerFactory.INSTANCE;
        Mqtt5BlockingClient c = Clients.v5(name, fx.edge.tlsPort()).sslConfig().keyManagerFactory(kmf)
                .trustManagerFactory(tmf).hostnameVerifier((h, sess) -> true).applySslConfig().buildBlocking();
        c.connectWith().simpleAuth().username(name).password(Clients.bytes(name + "|t|60")).applySimpleAuth().send();
        return c;
    }
}
