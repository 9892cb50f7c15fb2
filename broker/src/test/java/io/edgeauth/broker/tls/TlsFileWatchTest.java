package io.edgeauth.broker.tls;

import static io.edgeauth.broker.tls.TlsTestFiles.PASS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.provisioning.FleetPki;
import io.edgeauth.broker.testsupport.TestBrokers;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.elements.auth.X509CertPath;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.SystemConfig;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.x509.StaticNewAdvancedCertificateVerifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS material reloaded when its files change on disk: the MQTT TLS listener and the DTLS listener present a new
 * server certificate to new handshakes without an admin call; a bad file is refused once and the old certificate
 * stays; an unchanged rewrite reloads nothing.
 */
class TlsFileWatchTest {
    @TempDir
    Path dir;

    @Test
    void aChangedFileReloadsOnceAfterTheWritesSettleAndABadContentIsTriedOnce() throws Exception {
        Path file = Files.writeString(dir.resolve("server.p12"), "first");
        AtomicInteger reloads = new AtomicInteger();
        List<String> seen = new CopyOnWriteArrayList<>();
        try (TlsFileWatcher w = new TlsFileWatcher("test", java.util.Arrays.asList(file, null), Duration.ofMillis(200),
                Duration.ofMinutes(10), () -> {
                    String content = read(file);
                    seen.add(content);
                    // counted once the file is read: the test writes the file again as soon as it sees the count
                    reloads.incrementAndGet();
                    if (content.startsWith("bad")) {
                        throw new TlsMaterialException("bad file");
                    }
                }).start()) {
            for (int i = 0; i < 5; i++) { // a file written in pieces: one reload once it is quiet
                Files.writeString(file, "second part " + i);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> reloads.get() == 1);
            assertThat(seen).containsExactly("second part 4");

            Files.writeString(file, "second part 4"); // same content again: nothing to reload
            Files.writeString(file, "bad content");
            await().atMost(Duration.ofSeconds(30)).until(() -> reloads.get() == 2);
            Files.writeString(file, "bad content"); // the same bad content is not tried again
            w.checkNow();
            assertThat(reloads).hasValue(2);

            Path tmp = Files.writeString(dir.resolve("server.p12.tmp"), "third");
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            await().atMost(Duration.ofSeconds(30)).until(() -> reloads.get() == 3);
            assertThat(seen).containsExactly("second part 4", "bad content", "third");
        }
    }

    /**
     * Other files of the folder (a log, the audit file beside a CA file) changing all the time: before, each write
     * woke a comparison of the watched files after the debounce, about 1 % of the broker's CPU under load.
     */
    @Test
    void writesToOtherFilesOfTheFolderCompareNothing() throws Exception {
        Path file = Files.writeString(dir.resolve("ca.pem"), "ca");
        AtomicInteger reloads = new AtomicInteger();
        try (TlsFileWatcher w = new TlsFileWatcher("test", List.of(file), Duration.ofMillis(50), Duration.ofMinutes(10),
                reloads::incrementAndGet).start()) {
            Path log = dir.resolve("audit.log");
            for (int i = 0; i < 20; i++) {
                Files.writeString(log, "line " + i + "\n", java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.APPEND);
                Thread.sleep(20);
            }
            Thread.sleep(500);
            assertThat(w.comparisons()).isZero();
            Files.writeString(file, "new ca");
            await().atMost(Duration.ofSeconds(30)).until(() -> reloads.get() == 1);
        }
    }

    @Test
    void newServerCertificatesAreServedOverTlsAndDtlsWhenTheirFilesChange() throws Exception {
        FleetPki serverCa = new FleetPki("server CA");
        FleetPki.Issued first = TlsTestFiles.server(serverCa);
        Files.createDirectories(dir.resolve("mqtt"));
        Files.createDirectories(dir.resolve("coap"));
        Path mqttStore = TlsTestFiles.pkcs12(dir.resolve("mqtt/server.p12"), first);
        Path coapStore = TlsTestFiles.pkcs12(dir.resolve("coap/server.p12"), first);
        Files.createDirectories(dir.resolve("data"));
        Map<String, String> env = new HashMap<>(Map.of("EDGEAUTH_MQTT_TLS_PORT", "0",
                "EDGEAUTH_MQTT_KEY_STORE", mqttStore.toString(), "EDGEAUTH_MQTT_KEY_STORE_PASSWORD", PASS,
                "EDGEAUTH_MQTT_CLIENT_AUTH", "none",
                "EDGEAUTH_COAP_DTLS_PORT", "0", "EDGEAUTH_COAP_KEY_STORE", coapStore.toString(),
                "EDGEAUTH_COAP_KEY_STORE_PASSWORD", PASS, "EDGEAUTH_COAP_RAW_PUBLIC_KEYS", "false"));
        try (Broker broker = Broker.start(TestBrokers.config(dir.resolve("data"), env))) {
            assertThat(tlsServerCertificate(broker.mqttTlsPort())).isEqualTo(first.cert());
            assertThat(dtlsServerCertificate(broker.coapDtlsPort())).isEqualTo(first.cert());

            FleetPki.Issued second = TlsTestFiles.server(serverCa);
            TlsTestFiles.pkcs12(mqttStore, second);
            TlsTestFiles.pkcs12(coapStore, second);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                assertThat(tlsServerCertificate(broker.mqttTlsPort())).isEqualTo(second.cert());
                assertThat(dtlsServerCertificate(broker.coapDtlsPort())).isEqualTo(second.cert());
            });

            Files.writeString(coapStore, "not a key store"); // refused: the DTLS listener keeps the second certificate
            Files.writeString(mqttStore, "not a key store");
            FleetPki.Issued third = TlsTestFiles.server(serverCa);
            Path elsewhere = TlsTestFiles.pkcs12(dir.resolve("probe.p12"), third); // a change we can wait for
            assertThat(elsewhere).exists();
            await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(tlsServerCertificate(broker.mqttTlsPort())).isEqualTo(second.cert());
                assertThat(dtlsServerCertificate(broker.coapDtlsPort())).isEqualTo(second.cert());
            });
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The certificate a TLS server presents in a new handshake (any certificate is accepted for the test). */
    private static X509Certificate tlsServerCertificate(int port) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new TrustingManager()}, new SecureRandom());
        try (SSLSocket socket = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    /** The certificate the DTLS listener presents in a new handshake of a new client. */
    private static X509Certificate dtlsServerCertificate(int port) {
        Configuration c = new Configuration(CoapConfig.DEFINITIONS, DtlsConfig.DEFINITIONS, UdpConfig.DEFINITIONS,
                SystemConfig.DEFINITIONS);
        c.set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.CLIENT_ONLY);
        c.set(DtlsConfig.DTLS_VERIFY_SERVER_CERTIFICATES_SUBJECT, false);
        DtlsConnectorConfig cfg = DtlsConnectorConfig.builder(c).setAddress(new InetSocketAddress("127.0.0.1", 0))
                .setAdvancedCertificateVerifier(StaticNewAdvancedCertificateVerifier.builder()
                        .setTrustAllCertificates().build())
                .build();
        CoapEndpoint ep = CoapEndpoint.builder().setConfiguration(c).setConnector(new DTLSConnector(cfg)).build();
        try {
            CoapClient client = new CoapClient("coaps://127.0.0.1:" + port + "/authz-info");
            client.setEndpoint(ep);
            client.setTimeout(10_000L);
            CoapResponse r = client.get();
            assertThat(r).as("the DTLS handshake completed").isNotNull();
            return ((X509CertPath) r.advanced().getSourceContext().getPeerIdentity()).getTarget();
        } catch (Exception e) {
            throw new AssertionError("DTLS request failed: " + e, e);
        } finally {
            ep.destroy();
        }
    }

    private static final class TrustingManager implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
