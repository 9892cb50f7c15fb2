package io.edgeauth.broker.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.edgeauth.broker.provisioning.FleetPki;
import io.edgeauth.broker.testsupport.LogCapture;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;

/**
 * The client-certificate gate of the MQTT TLS and HTTPS listeners logs each certificate it refuses with the leaf and
 * the reason (the handshake ends before anything is audited), and nothing for one the application takes over.
 */
class ClientCertificateGateTest {

    @Test
    void aRefusedCertificateIsLoggedWithItsLeafAndReason() throws Exception {
        FleetPki ca = new FleetPki("device CA");
        Instant now = Instant.now();
        X509Certificate expired = ca.device("old", now.minusSeconds(30 * 86_400), now.minusSeconds(28 * 86_400),
                KeyUsage.digitalSignature, KeyPurposeId.id_kp_clientAuth).cert();
        X509Certificate stranger = new FleetPki("stranger").device("x").cert();
        X509Certificate fleetIssued = new FleetPki("fleet CA").device("taken-over").cert();
        ClientCertificateGate gate = new ClientCertificateGate(
                new ReloadableTrustManager(new DeviceTrust(List.of(ca.caCertificate()), List.of()), false),
                chain -> chain[0] == fleetIssued);
        try (LogCapture log = LogCapture.of(ClientCertificateGate.class)) {
            assertThat(catchThrowable(() -> gate.checkClientTrusted(new X509Certificate[] {expired}, "ECDHE_ECDSA")))
                    .isInstanceOf(CertificateException.class);
            assertThat(catchThrowable(() -> gate.checkClientTrusted(new X509Certificate[] {stranger}, "ECDHE_ECDSA")))
                    .isInstanceOf(CertificateException.class);
            gate.checkClientTrusted(new X509Certificate[] {fleetIssued}, "ECDHE_ECDSA");
            List<String> lines = log.events().stream().map(e -> e.getFormattedMessage()).toList();
            assertThat(lines).hasSize(2);
            assertThat(lines.get(0)).contains("serial " + expired.getSerialNumber().toString(16) + " of CN=old")
                    .contains("expired");
            assertThat(lines.get(1)).contains("CN=x");
        }
    }
}
