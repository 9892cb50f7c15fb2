package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeauth.broker.provisioning.FleetPki;
import io.edgeauth.broker.testsupport.LogCapture;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.cipher.CipherSuite;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DTLS listener's posture: AEAD cipher suites only (no CBC), and device certificates listed in a CRL refused in
 * the handshake. Scandium clients.
 */
class DtlsPostureTest {
    @TempDir
    Path dir;

    @Test
    void onlyAeadCipherSuitesAreOffered() throws Exception {
        TestPki pki = new TestPki();
        TestPki.Issued server = pki.server("localhost");
        CoapSettings s = CoapSettings.defaults().withPsk(EdgeFixture.MASTER)
                .withCertificates(server.privateKey(), List.of(server.cert()), List.of(pki.ca.cert()), true)
                .withPorts("127.0.0.1", 0, 0);
        List<CipherSuite> offered = CoapEdge.dtlsConfig(s, new Configuration(CoapEdge.configuration(s)))
                .getSupportedCipherSuites();
        assertThat(offered).isNotEmpty().allMatch(cs -> cs.getCipherType() == CipherSuite.CipherType.AEAD)
                .contains(CipherSuite.TLS_PSK_WITH_AES_128_CCM_8, CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
                        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)
                .doesNotContain(CipherSuite.TLS_PSK_WITH_AES_128_CBC_SHA256,
                        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256);
    }

    @Test
    void aClientOfferingOnlyCbcIsRefusedAndAeadIsAccepted() throws Exception {
        try (EdgeFixture f = new EdgeFixture(dir)) {
            List<CoapEndpoint> endpoints = new ArrayList<>();
            try {
                CoapClient cbc = pskClient(f, CipherSuite.TLS_PSK_WITH_AES_128_CBC_SHA256, endpoints);
                assertThat(get(cbc)).as("no shared cipher suite: the handshake fails").isNull();
                CoapClient ccm8 = pskClient(f, CipherSuite.TLS_PSK_WITH_AES_128_CCM_8, endpoints);
                assertThat(get(ccm8)).isNotNull();
            } finally {
                endpoints.forEach(CoapEndpoint::destroy);
            }
        }
    }

    /** An edge that trusts {@code fleet}'s device certificates, {@code revoked}'s listed in the CA's CRL. */
    private EdgeFixture trustingWithCrl(FleetPki fleet, FleetPki.Issued revoked) throws Exception {
        return new EdgeFixture(dir, s -> {
            try {
                return s.withCertificates(s.serverKey(), s.serverChain(), List.of(fleet.caCertificate()), true)
                        .withRevocationLists(List.of(fleet.crl(revoked.cert())));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void aRevokedDeviceCertificateIsRefusedInTheHandshake() throws Exception {
        FleetPki fleet = new FleetPki("fleet CA");
        FleetPki.Issued good = fleet.device("x509dev");
        FleetPki.Issued revoked = fleet.device("x509dev");
        try (EdgeFixture f = trustingWithCrl(fleet, revoked)) {
            CoapClient accepted = f.x509Client(new TestPki.Issued(good.keys(), good.cert()), "/authz-info");
            assertThat(get(accepted)).isNotNull();
            CoapClient refused = f.x509Client(new TestPki.Issued(revoked.keys(), revoked.cert()), "/authz-info");
            refused.setTimeout(5_000L);
            assertThat(get(refused)).as("revoked: the handshake fails").isNull();
        }
    }

    /** Tour W's W9 for DTLS: a refused handshake left no trace before (no session, nothing audited). */
    @Test
    void aRefusedDeviceCertificateIsLoggedWithItsPeerAndReason() throws Exception {
        FleetPki fleet = new FleetPki("fleet CA");
        FleetPki.Issued revoked = fleet.device("x509dev");
        FleetPki.Issued expired = fleet.device("x509dev", java.time.Instant.now().minus(java.time.Duration.ofDays(3)),
                java.time.Instant.now().minus(java.time.Duration.ofDays(1)),
                org.bouncycastle.asn1.x509.KeyUsage.digitalSignature, org.bouncycastle.asn1.x509.KeyPurposeId.id_kp_clientAuth);
        try (LogCapture log = LogCapture.of(ReloadableCertificateVerifier.class);
             EdgeFixture f = trustingWithCrl(fleet, revoked)) {
            CoapClient r = f.x509Client(new TestPki.Issued(revoked.keys(), revoked.cert()), "/authz-info");
            r.setTimeout(5_000L);
            assertThat(get(r)).isNull();
            CoapClient e = f.x509Client(new TestPki.Issued(expired.keys(), expired.cert()), "/authz-info");
            e.setTimeout(5_000L);
            assertThat(get(e)).isNull();
            List<String> lines = log.events().stream().map(ev -> ev.getFormattedMessage()).toList();
            assertThat(lines).anySatisfy(l -> assertThat(l).contains("DTLS handshake from /127.0.0.1:")
                    .contains("CN=x509dev serial " + revoked.cert().getSerialNumber().toString(16))
                    .contains("CERTIFICATE_REVOKED"));
            assertThat(lines).anySatisfy(l -> assertThat(l).contains("DTLS handshake from /127.0.0.1:")
                    .contains("CN=x509dev serial " + expired.cert().getSerialNumber().toString(16)));
            assertThat(lines).noneSatisfy(l -> assertThat(l).contains("BEGIN"));
        }
    }

    @Test
    void aReloadTrustsANewDeviceCaAndRevokesForNewHandshakesOnly() throws Exception {
        FleetPki fleet = new FleetPki("second fleet CA");
        FleetPki.Issued newcomer = fleet.device("x509dev");
        try (EdgeFixture f = new EdgeFixture(dir)) {
            TestPki.Issued old = f.pki.client("x509dev");
            CoapClient before = f.x509Client(old, "/authz-info");
            assertThat(get(before)).isNotNull();
            CoapClient early = f.x509Client(new TestPki.Issued(newcomer.keys(), newcomer.cert()), "/authz-info");
            early.setTimeout(5_000L);
            assertThat(get(early)).as("CA not trusted yet").isNull();

            FleetPki.Issued revoked = fleet.device("x509dev");
            int listed = f.edge.reloadDeviceTrust(List.of(f.pki.ca.cert(), fleet.caCertificate()),
                    List.of(fleet.crl(revoked.cert())));
            assertThat(listed).isEqualTo(1);
            assertThat(get(f.x509Client(new TestPki.Issued(newcomer.keys(), newcomer.cert()), "/authz-info"))).isNotNull();
            CoapClient refused = f.x509Client(new TestPki.Issued(revoked.keys(), revoked.cert()), "/authz-info");
            refused.setTimeout(5_000L);
            assertThat(get(refused)).as("revoked by the reload").isNull();
            assertThat(get(before)).as("a DTLS session from before the reload").isNotNull();
            assertThatThrownBy(() -> f.edge.reloadDeviceTrust(List.of(), List.of()))
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void aReloadedServerCertificateIsPresentedInNewHandshakesOnly() throws Exception {
        try (EdgeFixture f = new EdgeFixture(dir)) {
            TestPki.Issued device = f.pki.client("x509dev");
            CoapClient before = f.x509Client(device, "/authz-info");
            assertThat(serverCertificateSeenBy(before)).isEqualTo(f.serverCert.cert());

            TestPki.Issued renewed = f.pki.server("localhost");
            assertThat(f.edge.reloadServerIdentity(renewed.privateKey(), List.of(renewed.cert())))
                    .isEqualTo(renewed.cert());
            assertThat(serverCertificateSeenBy(f.x509Client(device, "/authz-info")))
                    .as("a new handshake sees the new certificate").isEqualTo(renewed.cert());
            assertThat(serverCertificateSeenBy(before)).as("a DTLS session from before the reload is kept")
                    .isEqualTo(f.serverCert.cert());

            TestPki.Issued other = f.pki.server("localhost");
            assertThatThrownBy(() -> f.edge.reloadServerIdentity(other.privateKey(), List.of(renewed.cert())))
                    .as("a key that does not belong to the certificate").isInstanceOf(IllegalArgumentException.class);
            java.security.KeyPairGenerator rsa = java.security.KeyPairGenerator.getInstance("RSA");
            rsa.initialize(2048);
            assertThatThrownBy(() -> f.edge.reloadServerIdentity(rsa.generateKeyPair().getPrivate(), List.of(renewed.cert())))
                    .as("another key algorithm").hasMessageContaining("restart");
            assertThat(serverCertificateSeenBy(f.x509Client(device, "/authz-info")))
                    .as("a refused reload keeps the certificate in use").isEqualTo(renewed.cert());
        }
    }

    /** The server certificate the client's DTLS session was made with. */
    private static java.security.cert.X509Certificate serverCertificateSeenBy(CoapClient client) {
        CoapResponse response = get(client);
        assertThat(response).as("the DTLS handshake completed").isNotNull();
        return ((org.eclipse.californium.elements.auth.X509CertPath) response.advanced().getSourceContext()
                .getPeerIdentity()).getTarget();
    }

    /**
     * Tour AF, AF1: an abbreviated handshake (session resumption, RFC 5246 §7.3; the device SDK renews a silent
     * session so) checks no certificate, so a device whose certificate a reload (or a restart) had revoked, or whose CA
     * it no longer trusts, resumed its session and went on for as long as it kept resuming. Such a resumption now
     * becomes a full handshake, which refuses the certificate.
     */
    @Test
    void aSessionResumptionChecksTheCertificateAgainstTheTrustInForceNow() throws Exception {
        FleetPki fleet = new FleetPki("fleet CA");
        FleetPki.Issued device = fleet.device("x509dev");
        FleetPki.Issued untrusted = fleet.device("x509dev");
        FleetPki.Issued other = fleet.device("x509dev");
        try (EdgeFixture f = trustingWithCrl(fleet, other)) {
            CoapClient revoked = f.x509Client(new TestPki.Issued(device.keys(), device.cert()), "/authz-info");
            revoked.setTimeout(5_000L);
            CoapClient dropped = f.x509Client(new TestPki.Issued(untrusted.keys(), untrusted.cert()), "/authz-info");
            dropped.setTimeout(5_000L);
            assertThat(get(revoked)).isNotNull();
            assertThat(get(dropped)).isNotNull();
            resumeNext(revoked, f);
            assertThat(get(revoked)).as("a resumption while the certificate is in good standing").isNotNull();

            f.edge.reloadDeviceTrust(List.of(fleet.caCertificate()), List.of(fleet.crl(device.cert())));
            assertThat(get(revoked)).as("the established session is kept (as documented)").isNotNull();
            resumeNext(revoked, f);
            assertThat(get(revoked)).as("revoked: its resumption must not complete").isNull();

            f.edge.reloadDeviceTrust(List.of(f.pki.ca.cert()), List.of());
            resumeNext(dropped, f);
            assertThat(get(dropped)).as("its CA no longer trusted: its resumption must not complete").isNull();
        }
    }

    /**
     * Tour AF, AF2: with {@code coap.keepDtlsSessions} a restart restored every kept session, also one whose client
     * certificate the restarted edge's CRL revokes (or whose CA it no longer trusts); the device uploaded its token
     * again and went on, with no handshake to refuse it. Such sessions are not restored now; the others are.
     */
    @Test
    void aRestartDoesNotRestoreASessionWhoseCertificateTheTrustNowRefuses() throws Exception {
        FleetPki fleet = new FleetPki("fleet CA");
        FleetPki.Issued good = fleet.device("x509dev");
        FleetPki.Issued revoked = fleet.device("x509dev");
        FleetPki.Issued unrelated = fleet.device("x509dev");
        int port = io.edgeauth.broker.testsupport.FreePorts.udp();
        Path kept = dir.resolve("dtls-sessions.bin");
        java.nio.file.Files.createDirectories(dir.resolve("before"));
        java.nio.file.Files.createDirectories(dir.resolve("after"));
        try (EdgeFixture before = new EdgeFixture(dir.resolve("before"), s -> trusting(s, fleet, unrelated, port), kept)) {
            CoapClient staying = before.x509Client(new TestPki.Issued(good.keys(), good.cert()), "/authz-info");
            CoapClient leaving = before.x509Client(new TestPki.Issued(revoked.keys(), revoked.cert()), "/authz-info");
            staying.setURI("coaps://127.0.0.1:" + port + "/authz-info");
            leaving.setURI("coaps://127.0.0.1:" + port + "/authz-info");
            staying.setTimeout(5_000L);
            leaving.setTimeout(5_000L);
            assertThat(get(staying)).isNotNull();
            assertThat(get(leaving)).isNotNull();
            before.edge.stop(); // a clean stop: the sessions are kept

            try (EdgeFixture after = new EdgeFixture(dir.resolve("after"), s -> trusting(s, fleet, revoked, port), kept)) {
                assertThat(get(staying)).as("restored: goes on without a handshake").isNotNull();
                assertThat(get(leaving)).as("revoked by the restarted edge's CRL: not restored").isNull();
            }
        }
    }

    /**
     * Tour AF, AF6: a restart that takes device certificates (no {@code coap.trustStore}) or raw public keys
     * ({@code coap.rawPublicKeys: false}) away restored the sessions of such devices all the same, and they went on
     * as before. Only sessions of a kind the restarted listener takes are restored now.
     */
    @Test
    void aRestartDoesNotRestoreSessionsOfAKindTheListenerNoLongerTakes() throws Exception {
        int port = io.edgeauth.broker.testsupport.FreePorts.udp();
        Path kept = dir.resolve("dtls-sessions.bin");
        java.nio.file.Files.createDirectories(dir.resolve("before"));
        java.nio.file.Files.createDirectories(dir.resolve("after"));
        try (EdgeFixture before = new EdgeFixture(dir.resolve("before"), s -> s.withPorts("127.0.0.1", 0, port), kept)) {
            String uri = "coaps://127.0.0.1:" + port + "/authz-info";
            CoapClient certificate = before.x509Client(before.pki.client("x509dev"), "/authz-info");
            CoapClient rawKey = before.rpkClient(java.security.KeyPairGenerator.getInstance("EC").generateKeyPair(),
                    "/authz-info");
            CoapClient psk = before.pskClient("dev1", DerivedPskStore.derive(EdgeFixture.MASTER, "dev1"), "/authz-info");
            for (CoapClient c : List.of(certificate, rawKey, psk)) {
                c.setURI(uri);
                c.setTimeout(5_000L);
                assertThat(get(c)).isNotNull();
            }
            before.edge.stop();
            try (EdgeFixture after = new EdgeFixture(dir.resolve("after"), s -> s.withPorts("127.0.0.1", 0, port)
                    .withCertificates(s.serverKey(), s.serverChain(), List.of(), false), kept)) {
                assertThat(get(psk)).as("PSK: still taken, restored").isNotNull();
                assertThat(get(certificate)).as("no device certificates taken now: not restored").isNull();
                assertThat(get(rawKey)).as("no raw public keys taken now: not restored").isNull();
            }
        }
    }

    /**
     * Tour AF, AF4: the file's key came from the PSK master only, so a DTLS listener of certificates alone (no
     * {@code coap.pskMasterSecretFile}) kept nothing across a restart though {@code coap.keepDtlsSessions} is on by
     * default and said it did. Its sessions are sealed under a key derived from the server's private key now.
     */
    @Test
    void aListenerWithoutPskKeepsItsCertificateSessionsAcrossARestart() throws Exception {
        FleetPki fleet = new FleetPki("fleet CA");
        FleetPki.Issued device = fleet.device("x509dev");
        FleetPki.Issued unrelated = fleet.device("x509dev");
        int port = io.edgeauth.broker.testsupport.FreePorts.udp();
        Path kept = dir.resolve("dtls-sessions.bin");
        java.nio.file.Files.createDirectories(dir.resolve("before"));
        java.nio.file.Files.createDirectories(dir.resolve("after"));
        java.util.function.UnaryOperator<CoapSettings> certificatesOnly = s -> trusting(s.withPsk(null), fleet, unrelated,
                port);
        try (EdgeFixture before = new EdgeFixture(dir.resolve("before"), certificatesOnly, kept)) {
            CoapClient client = before.x509Client(new TestPki.Issued(device.keys(), device.cert()), "/authz-info");
            client.setURI("coaps://127.0.0.1:" + port + "/authz-info");
            client.setTimeout(5_000L);
            assertThat(get(client)).isNotNull();
            before.edge.stop();
            assertThat(kept).as("kept at the clean stop").exists();
            try (EdgeFixture after = new EdgeFixture(dir.resolve("after"),
                    s -> certificatesOnly.apply(s).withCertificates(before.serverCert.privateKey(),
                            List.of(before.serverCert.cert()), List.of(fleet.caCertificate()), true), kept)) {
                assertThat(get(client)).as("restored: goes on without a handshake").isNotNull();
            }
        }
    }

    private static CoapSettings trusting(CoapSettings s, FleetPki fleet, FleetPki.Issued revoked, int dtlsPort) {
        try {
            return s.withCertificates(s.serverKey(), s.serverChain(), List.of(fleet.caCertificate()), true)
                    .withRevocationLists(List.of(fleet.crl(revoked.cert()))).withPorts("127.0.0.1", 0, dtlsPort);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Tour AF, AF8: a DTLS session established before a reload revoked its certificate stays (as documented), but it
     * also went on getting new tokens at {@code /token} (a certificate device names its {@code client_id} and is
     * issued a token on the strength of that certificate), so the revocation never took effect. A session whose
     * certificate the trust in force refuses gets no token now.
     */
    @Test
    void aSessionWhoseCertificateWasRevokedGetsNoNewToken() throws Exception {
        FleetPki fleet = new FleetPki("fleet CA");
        FleetPki.Issued device = fleet.device("x509dev");
        FleetPki.Issued other = fleet.device("x509dev");
        List<CoapTokenIssuer.Request> issued = new java.util.concurrent.CopyOnWriteArrayList<>();
        CoapTokenIssuer issuer = request -> {
            issued.add(request);
            return java.util.concurrent.CompletableFuture.completedFuture(
                    new CoapTokenIssuer.Issued(new byte[] {1, 2, 3}, 600, null));
        };
        try (EdgeFixture f = new EdgeFixture(dir, s -> trusting(s, fleet, other, 0), issuer)) {
            CoapClient client = f.x509Client(new TestPki.Issued(device.keys(), device.cert()), "/token");
            byte[] byCertificate = com.upokecenter.cbor.CBORObject.NewMap().Add(33, 2).Add(24, "x509dev").EncodeToBytes();
            assertThat(client.post(byCertificate, org.eclipse.californium.core.coap.MediaTypeRegistry.APPLICATION_ACE_CBOR)
                    .getCode()).isEqualTo(org.eclipse.californium.core.coap.CoAP.ResponseCode.CREATED);

            f.edge.reloadDeviceTrust(List.of(fleet.caCertificate()), List.of(fleet.crl(device.cert())));
            CoapResponse refused = client.post(byCertificate,
                    org.eclipse.californium.core.coap.MediaTypeRegistry.APPLICATION_ACE_CBOR);
            assertThat(refused.getCode()).as("revoked since the session began")
                    .isEqualTo(org.eclipse.californium.core.coap.CoAP.ResponseCode.BAD_REQUEST);
            assertThat(CoapEdgeTest.description(refused)).startsWith("revoked: ");
            assertThat(issued).as("the issuer was not asked again").hasSize(1);
            assertThat(f.audit).contains("coap.refused revoked");
        }
    }

    /** Makes the client's next request start an abbreviated handshake, as the device SDK's session renewal does. */
    private static void resumeNext(CoapClient client, EdgeFixture f) {
        ((DTLSConnector) ((CoapEndpoint) client.getEndpoint()).getConnector())
                .forceResumeSessionFor(new InetSocketAddress("127.0.0.1", f.edge.dtlsPort()));
    }

    @Test
    void aCrlNeedsTheTrustAnchorsOfItsCa() throws Exception {
        FleetPki fleet = new FleetPki("fleet CA");
        assertThatThrownBy(() -> CoapSettings.defaults().withRevocationLists(List.of(fleet.crl())))
                .hasMessageContaining("trust anchors");
    }

    /** Any answer means the DTLS handshake completed; null means it did not. */
    private static CoapResponse get(CoapClient client) {
        try {
            return client.get();
        } catch (Exception e) {
            return null;
        }
    }

    private static CoapClient pskClient(EdgeFixture f, CipherSuite only, List<CoapEndpoint> endpoints) {
        Configuration c = EdgeFixture.clientConfig();
        c.set(DtlsConfig.DTLS_RECOMMENDED_CIPHER_SUITES_ONLY, false); // lets the client offer CBC
        c.set(DtlsConfig.DTLS_CIPHER_SUITES, List.of(only));
        DtlsConnectorConfig cfg = DtlsConnectorConfig.builder(c).setAddress(new InetSocketAddress("127.0.0.1", 0))
                .setAdvancedPskStore(new AdvancedSinglePskStore("dev1", DerivedPskStore.derive(EdgeFixture.MASTER, "dev1")))
                .build();
        CoapEndpoint ep = CoapEndpoint.builder().setConfiguration(c).setConnector(new DTLSConnector(cfg)).build();
        endpoints.add(ep);
        CoapClient client = new CoapClient(f.coaps("/authz-info"));
        client.setEndpoint(ep);
        client.setTimeout(5_000L);
        return client;
    }
}
