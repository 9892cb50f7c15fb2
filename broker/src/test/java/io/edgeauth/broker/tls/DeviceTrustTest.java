package io.edgeauth.broker.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeauth.broker.provisioning.FleetPki;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.PKIXReason;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A listener's trust store (`mqtt.trustStore`, `http.tls.trustStore`, CoAP's) applies its CAs' own path length and name
 * constraints, as fleet CAs do: the JDK's PKIX takes an anchor for its name and key only, so a CA meant to sign devices
 * only ({@code pathlen:0}) let the certificates of a sub-CA it had signed through the handshake.
 */
class DeviceTrustTest {

    @Test
    void aPathLengthZeroAnchorTakesItsOwnDevicesNotASubCasOnes() throws Exception {
        FleetPki root = FleetPki.withPathLength("trust pl0 CA", 0);
        FleetPki sub = root.intermediate("trust pl0 sub CA");
        DeviceTrust trust = new DeviceTrust(List.of(root.caCertificate()), List.of());
        assertThatCode(() -> trust.check(new X509Certificate[] {root.device("t-1").cert()}, "ECDHE_ECDSA"))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> trust.check(new X509Certificate[] {sub.device("t-2").cert(), sub.caCertificate()},
                "ECDHE_ECDSA"))
                .isInstanceOf(CertificateException.class).hasMessageContaining("path length")
                .satisfies(e -> assertThat(((CertPathValidatorException) e.getCause()).getReason())
                        .as("an unknown_ca alert").isEqualTo(PKIXReason.NO_TRUST_ANCHOR));
        assertThat(trust.refusal(new X509Certificate[] {sub.device("t-3").cert(), sub.caCertificate()}))
                .isEqualTo("certificate_untrusted");
    }

    @Test
    void anUnconstrainedAnchorTakesASubCasDevicesAndANameConstrainedOneOnlyItsNames() throws Exception {
        FleetPki root = new FleetPki("trust open CA");
        FleetPki sub = root.intermediate("trust open sub CA");
        DeviceTrust open = new DeviceTrust(List.of(root.caCertificate()), List.of());
        assertThatCode(() -> open.check(new X509Certificate[] {sub.device("t-4").cert(), sub.caCertificate()},
                "ECDHE_ECDSA")).doesNotThrowAnyException();

        FleetPki named = FleetPki.withPermittedSubtree("trust nc CA", "O=acme");
        DeviceTrust constrained = new DeviceTrust(List.of(named.caCertificate()), List.of());
        assertThatCode(() -> constrained.check(new X509Certificate[] {named.deviceNamed("O=acme,CN=t-5").cert()},
                "ECDHE_ECDSA")).doesNotThrowAnyException();
        assertThatThrownBy(() -> constrained.check(new X509Certificate[] {named.device("t-6").cert()}, "ECDHE_ECDSA"))
                .isInstanceOf(CertificateException.class).hasMessageContaining("name constraints");
    }
}
