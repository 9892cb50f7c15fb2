package io.edgeauth.broker.tls;

import static io.edgeauth.broker.tls.TlsTestFiles.OPENSSL;
import static io.edgeauth.broker.tls.TlsTestFiles.PASS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.edgeauth.broker.provisioning.FleetPki;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trust anchors, CRLs and the device check: empty, hostile and foreign files are refused with the file named. */
class TrustAnchorsTest {
    @TempDir
    Path dir;
    private FleetPki ca;

    @BeforeEach
    void pki() throws Exception {
        ca = new FleetPki("device CA");
    }

    @Test
    void anOpenSsl3NoKeysPkcs12ReadsEmptyAndIsRefusedNamingTheFileAndTheCause() throws Exception {
        assumeTrue(TlsTestFiles.opensslPresent(), "openssl not installed");
        TlsTestFiles.pem(dir.resolve("ca.pem"), ca.caCertificate());
        String out = TlsTestFiles.run(dir, new byte[0], List.of(OPENSSL.toString(), "pkcs12", "-export", "-nokeys",
                "-in", "ca.pem", "-out", "trust.p12", "-passout", "pass:" + PASS));
        assertThat(dir.resolve("trust.p12")).as(out).exists();
        assertThatThrownBy(() -> TrustAnchors.load("mqtt.trustStore", dir.resolve("trust.p12"), PASS))
                .isInstanceOf(TlsMaterialException.class)
                .hasMessageContaining("mqtt.trustStore").hasMessageContaining(dir.resolve("trust.p12").toString())
                .hasMessageContaining("0 trust anchors").hasMessageContaining("pkcs12 -export -nokeys");
    }

    @Test
    void pemAndJavaWrittenStoresLoad() throws Exception {
        other();
        assertThat(TrustAnchors.load("k", TlsTestFiles.pem(dir.resolve("cas.pem"), ca.caCertificate(), other()), null))
                .hasSize(2);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("ca", ca.caCertificate());
        try (OutputStream out = Files.newOutputStream(dir.resolve("trust.p12"))) {
            ks.store(out, PASS.toCharArray());
        }
        assertThat(TrustAnchors.load("k", dir.resolve("trust.p12"), PASS)).containsExactly(ca.caCertificate());
    }

    @Test
    void missingGarbageEmptyAndWrongPasswordAreRefusedWithTheFileNamed() throws Exception {
        Path missing = dir.resolve("missing.pem");
        assertThatThrownBy(() -> TrustAnchors.load("coap.trustStore", missing, null))
                .hasMessageContaining("coap.trustStore").hasMessageContaining("does not exist");
        Path garbage = Files.write(dir.resolve("garbage.pem"), new byte[] {0x30, (byte) 0x82, 0x7f, 0x7f, 1, 2, 3});
        assertThatThrownBy(() -> TrustAnchors.load("k", garbage, null)).isInstanceOf(TlsMaterialException.class)
                .hasMessageContaining("garbage.pem");
        Path empty = Files.writeString(dir.resolve("empty.pem"), "");
        assertThatThrownBy(() -> TrustAnchors.load("k", empty, null)).isInstanceOf(TlsMaterialException.class)
                .hasMessageContaining("0 trust anchors");
        Path huge = Files.writeString(dir.resolve("text.p12"), "x".repeat(100_000));
        assertThatThrownBy(() -> TrustAnchors.load("k", huge, PASS)).isInstanceOf(TlsMaterialException.class)
                .hasMessageContaining("text.p12");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("ca", ca.caCertificate());
        try (OutputStream out = Files.newOutputStream(dir.resolve("trust.p12"))) {
            ks.store(out, PASS.toCharArray());
        }
        assertThatThrownBy(() -> TrustAnchors.load("k", dir.resolve("trust.p12"), "wrong"))
                .isInstanceOf(TlsMaterialException.class).hasMessageContaining("wrong password");
    }

    @Test
    void aCrlMustBeSignedByATrustedCa() throws Exception {
        List<X509Certificate> anchors = List.of(ca.caCertificate());
        FleetPki impostor = new FleetPki("device CA"); // same name, other key
        Path forged = TlsTestFiles.pem(dir.resolve("forged.pem"), impostor.crl());
        assertThatThrownBy(() -> RevocationLists.load("mqtt.crl", forged, anchors)).isInstanceOf(TlsMaterialException.class)
                .hasMessageContaining("mqtt.crl").hasMessageContaining("not signed by any certificate of the trust store");
        Path text = Files.writeString(dir.resolve("crl.pem"), "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n");
        assertThatThrownBy(() -> RevocationLists.load("mqtt.crl", text, anchors)).isInstanceOf(TlsMaterialException.class)
                .hasMessageContaining("crl.pem");
        Path der = Files.write(dir.resolve("crl.der"), ca.crl().getEncoded());
        assertThat(RevocationLists.load("mqtt.crl", der, anchors)).hasSize(1);
    }

    @Test
    void theDeviceCheckTellsRevokedFromUntrusted() throws Exception {
        FleetPki.Issued good = ca.device("good");
        FleetPki.Issued revoked = ca.device("revoked");
        FleetPki.Issued stranger = new FleetPki("other CA").device("stranger");
        DeviceTrust trust = new DeviceTrust(List.of(ca.caCertificate()), List.of(ca.crl(revoked.cert())));
        assertThat(trust.refusal(new Certificate[] {good.cert()})).isNull();
        assertThat(trust.refusal(new Certificate[] {revoked.cert()})).isEqualTo("certificate_revoked");
        assertThat(trust.refusal(new Certificate[] {stranger.cert()})).isEqualTo("certificate_untrusted");
        assertThat(trust.revokedEntries()).isEqualTo(1);
    }

    private X509Certificate other() throws Exception {
        return new FleetPki("second CA").caCertificate();
    }
}
