package io.edgeauth.broker.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.edgeauth.broker.provisioning.FleetPki;
import io.netty.handler.ssl.OpenSslCertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;

/**
 * Tour W, W9: a device certificate from a trusted CA that has expired (or is not yet valid) is refused as such, not
 * as an unknown CA: OpenSSL's verify code 10 (9), which BoringSSL sends as the alert certificate_expired (45), and the
 * re-check of a resumed session says {@code certificate_expired}.
 */
class ExpiredDeviceCertificateTest {

    @Test
    void anExpiredOrNotYetValidDeviceCertificateIsRefusedWithItsOwnReason() throws Exception {
        FleetPki ca = new FleetPki("device CA");
        Instant now = Instant.now();
        X509Certificate expired = ca.device("old", now.minusSeconds(30 * 86_400), now.minusSeconds(28 * 86_400),
                KeyUsage.digitalSignature, KeyPurposeId.id_kp_clientAuth).cert();
        X509Certificate early = ca.device("early", now.plusSeconds(86_400), now.plusSeconds(2 * 86_400),
                KeyUsage.digitalSignature, KeyPurposeId.id_kp_clientAuth).cert();
        DeviceTrust trust = new DeviceTrust(List.of(ca.caCertificate()), List.of());
        ReloadableTrustManager openSsl = new ReloadableTrustManager(trust, true);

        Throwable t = catchThrowable(() -> openSsl.checkClientTrusted(new X509Certificate[] {expired}, "ECDHE_ECDSA"));
        assertThat(t).isInstanceOf(OpenSslCertificateException.class).hasMessageContaining("expired");
        assertThat(((OpenSslCertificateException) t).errorCode()).isEqualTo(10); // X509_V_ERR_CERT_HAS_EXPIRED
        Throwable n = catchThrowable(() -> openSsl.checkClientTrusted(new X509Certificate[] {early}, "ECDHE_ECDSA"));
        assertThat(((OpenSslCertificateException) n).errorCode()).isEqualTo(9); // X509_V_ERR_CERT_NOT_YET_VALID

        assertThat(trust.refusal(new X509Certificate[] {expired})).isEqualTo("certificate_expired");
        assertThat(trust.refusal(new X509Certificate[] {new FleetPki("stranger").device("x").cert()}))
                .isEqualTo("certificate_untrusted");
    }
}
