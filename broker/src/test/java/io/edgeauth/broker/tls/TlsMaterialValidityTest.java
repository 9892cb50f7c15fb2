package io.edgeauth.broker.tls;

import static io.edgeauth.broker.tls.TlsTestFiles.PASS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeauth.broker.provisioning.FleetPki;
import java.nio.file.Path;
import java.time.Instant;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tour W, W10: a reload (the admin API's or the file watch's) refuses a server certificate outside its validity
 * period, naming the dates, and keeps serving the old one: every device would refuse the handshake.
 */
class TlsMaterialValidityTest {
    @TempDir
    Path dir;

    private static FleetPki.Issued server(FleetPki ca, Instant notBefore, Instant notAfter) throws Exception {
        return ca.device("localhost", notBefore, notAfter, KeyUsage.digitalSignature, KeyPurposeId.id_kp_serverAuth);
    }

    @Test
    void aReloadRefusesAnExpiredOrNotYetValidServerCertificateAndKeepsTheOldOne() throws Exception {
        FleetPki ca = new FleetPki("server CA");
        FleetPki.Issued good = TlsTestFiles.server(ca);
        Path store = TlsTestFiles.pkcs12(dir.resolve("server.p12"), good);
        TlsMaterial material = TlsMaterial.load(new TlsMaterial.Sources("mqtt", store, PASS, null, null, null), false);
        Instant now = Instant.now();

        TlsTestFiles.pkcs12(store, server(ca, now.minusSeconds(86_400), now.minusSeconds(3600)));
        assertThatThrownBy(material::reload).isInstanceOf(TlsMaterialException.class)
                .hasMessageContaining("mqtt.keyStore").hasMessageContaining("expired").hasMessageContaining("notAfter");
        assertThat(material.summary().serverSerial()).isEqualTo(good.cert().getSerialNumber().toString(16));

        TlsTestFiles.pkcs12(store, server(ca, now.plusSeconds(3600), now.plusSeconds(86_400)));
        assertThatThrownBy(material::reload).isInstanceOf(TlsMaterialException.class)
                .hasMessageContaining("not yet valid").hasMessageContaining("notBefore");
        assertThat(material.summary().serverSerial()).isEqualTo(good.cert().getSerialNumber().toString(16));

        FleetPki.Issued next = TlsTestFiles.server(ca);
        TlsTestFiles.pkcs12(store, next);
        assertThat(material.reload().serverSerial()).isEqualTo(next.cert().getSerialNumber().toString(16));
    }
}
