package io.edgeauth.broker.tls;

import static io.edgeauth.broker.tls.TlsTestFiles.PASS;
import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.provisioning.FleetPki;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The alerts a device sees where the MQTT listener runs on the JDK's TLS (netty-tcnative absent): the reloadable
 * managers in a JDK {@link SSLEngine} pair, handshaking in memory. Also shows the key manager serving the JDK engine.
 */
class JdkEngineAlertsTest {
    @TempDir
    Path dir;
    private FleetPki ca;
    private FleetPki.Issued revoked;
    private SSLContext server;

    @BeforeEach
    void serverContext() throws Exception {
        ca = new FleetPki("device CA");
        revoked = ca.device("lost");
        TlsTestFiles.pkcs12(dir.resolve("server.p12"), TlsTestFiles.server(new FleetPki("server CA")));
        TlsTestFiles.pem(dir.resolve("trust.pem"), ca.caCertificate());
        TlsTestFiles.pem(dir.resolve("crl.pem"), ca.crl(revoked.cert()));
        TlsMaterial material = TlsMaterial.load(new TlsMaterial.Sources("mqtt", dir.resolve("server.p12"), PASS,
                dir.resolve("trust.pem"), null, dir.resolve("crl.pem")), false);
        server = SSLContext.getInstance("TLS");
        server.init(new KeyManager[] {material.keyManager()}, new TrustManager[] {material.trustManager()}, null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void untrustedAndRevokedDevicesGetACertificateAlertTrustedOnesConnect(String protocol) throws Exception {
        // the JDK's TLS server (17 to 25) answers every refused client certificate with certificate_unknown (46),
        // whatever the reason: not unknown_ca or certificate_revoked as BoringSSL does, but a certificate alert, not
        // internal_error
        assertThat(handshake(new FleetPki("stranger CA").device("x"), protocol)).contains("certificate_unknown");
        assertThat(handshake(revoked, protocol)).contains("certificate_unknown");
        assertThat(handshake(ca.device("good"), protocol)).isNull();
    }

    /** Runs a handshake; the client's failure message, or null if both sides finished it. */
    private String handshake(FleetPki.Issued device, String protocol) throws Exception {
        SSLEngine s = server.createSSLEngine();
        s.setUseClientMode(false);
        s.setNeedClientAuth(true);
        s.setEnabledProtocols(new String[] {protocol});
        SSLEngine c = client(device).createSSLEngine("localhost", 8883);
        c.setUseClientMode(true);
        c.setEnabledProtocols(new String[] {protocol});
        ByteBuffer toServer = ByteBuffer.allocate(1 << 16);
        ByteBuffer toClient = ByteBuffer.allocate(1 << 16);
        ByteBuffer sink = ByteBuffer.allocate(1 << 16);
        ByteBuffer empty = ByteBuffer.allocate(0);
        c.beginHandshake();
        s.beginHandshake();
        String clientFailure = null;
        for (int round = 0; round < 200; round++) {
            try {
                step(c, empty, toServer, toClient, sink);
            } catch (SSLException e) {
                clientFailure = e.getMessage();
                break;
            }
            try {
                step(s, empty, toClient, toServer, sink);
            } catch (SSLException e) {
                // the server's refusal: its alert is in toClient for the client to read next
            }
            if (done(c) && done(s) && toServer.position() == 0 && toClient.position() == 0) {
                break;
            }
        }
        if (clientFailure == null && !(done(c) && done(s) && c.getSession().getProtocol().equals(protocol))) {
            return "handshake did not finish";
        }
        return clientFailure;
    }

    private static boolean done(SSLEngine e) {
        HandshakeStatus h = e.getHandshakeStatus();
        return h == HandshakeStatus.NOT_HANDSHAKING || h == HandshakeStatus.FINISHED;
    }

    /** One engine's turn: run tasks, read what the peer sent, write what it has to send. */
    private static void step(SSLEngine e, ByteBuffer empty, ByteBuffer out, ByteBuffer in, ByteBuffer sink) throws SSLException {
        runTasks(e);
        in.flip();
        while (in.hasRemaining()) {
            int before = in.remaining();
            e.unwrap(in, sink);
            runTasks(e);
            if (in.remaining() == before) {
                break;
            }
        }
        in.compact();
        sink.clear();
        for (int i = 0; i < 8 && !e.isOutboundDone(); i++) {
            int before = out.position();
            e.wrap(empty, out);
            runTasks(e);
            if (out.position() == before) {
                break;
            }
        }
    }

    private static void runTasks(SSLEngine e) {
        for (Runnable task = e.getDelegatedTask(); task != null; task = e.getDelegatedTask()) {
            task.run();
        }
    }

    private static SSLContext client(FleetPki.Issued device) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("device", device.keys().getPrivate(), PASS.toCharArray(), new Certificate[] {device.cert()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, PASS.toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
        return ctx;
    }
}
