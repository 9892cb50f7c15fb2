package io.edgeauth.broker.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.registry.Device;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class CertificateMarkTest {
    @Test
    void aMarkKeepsTheCertificateItsCaMayLaterList() throws Exception {
        FleetPki pki = new FleetPki("mark CA");
        FleetPki.Issued device = pki.device("m-1");
        FleetPki.Issued other = pki.device("m-2");
        FleetCa plain = ca(pki, List.of());
        FleetCa listing = ca(pki, List.of(pki.crl(device.cert())));

        CertificateMark mark = CertificateMark.parse(CertificateMark.of(plain, device.cert(), com.nimbusds.jose.jwk.JWK.parse(device.cert())).encode()).orElseThrow();
        assertThat(mark).isEqualTo(CertificateMark.of(plain, device.cert(), com.nimbusds.jose.jwk.JWK.parse(device.cert())));
        assertThat(mark.listedBy(plain)).isFalse();
        assertThat(mark.listedBy(listing)).isTrue();
        assertThat(CertificateMark.of(listing, other.cert(), com.nimbusds.jose.jwk.JWK.parse(other.cert())).listedBy(listing)).as("another serial").isFalse();
        FleetPki stranger = new FleetPki("other CA");
        CertificateMark sameSerialOtherIssuer = new CertificateMark("mark", device.cert().getSerialNumber(),
                stranger.caCertificate().getSubjectX500Principal(), null, null);
        assertThat(sameSerialOtherIssuer.listedBy(listing)).as("the listed serial under another issuer's name").isFalse();
    }

    @Test
    void aMarkKeepsItsCertificatesDateAndReadsMarksWrittenWithout() throws Exception {
        FleetPki pki = new FleetPki("dated CA");
        FleetPki.Issued device = pki.device("d-1");
        CertificateMark mark = CertificateMark.of(ca(pki, List.of()), device.cert(), com.nimbusds.jose.jwk.JWK.parse(device.cert()));
        assertThat(mark.notBefore()).isEqualTo(device.cert().getNotBefore().toInstant());
        assertThat(CertificateMark.parse(mark.encode()).orElseThrow()).isEqualTo(mark);

        String undated = "ca:dated\n" + device.cert().getSerialNumber().toString(16) + "\nCN=dated CA";
        CertificateMark before = CertificateMark.parse(undated.getBytes(StandardCharsets.UTF_8)).orElseThrow();
        assertThat(before.serial()).isEqualTo(device.cert().getSerialNumber());
        assertThat(before.notBefore()).isNull();
        assertThat(before.olderThan(device.cert())).as("an undated mark orders nothing").isFalse();
        assertThat(new String(before.encode(), StandardCharsets.UTF_8)).isEqualTo(undated);

        CertificateMark odd = new CertificateMark("dated", java.math.BigInteger.TEN,
                new javax.security.auth.x500.X500Principal("CN=line\nbreak,O=@x #1"), mark.notBefore(), "k");
        assertThat(CertificateMark.parse(odd.encode()).orElseThrow()).as("an issuer holding a line break").isEqualTo(odd);
    }

    @Test
    void aMarkSpeaksOnlyForTheRecordThatHoldsItsCertificatesKey() throws Exception {
        FleetPki pki = new FleetPki("keyed CA");
        FleetPki.Issued device = pki.device("k-1");
        FleetPki.Issued other = pki.device("k-1");
        CertificateMark mark = CertificateMark.parse(CertificateMark.of(ca(pki, List.of()), device.cert(),
                com.nimbusds.jose.jwk.JWK.parse(device.cert())).encode()).orElseThrow();
        assertThat(mark.keyThumbprint()).isNotNull();
        assertThat(mark.vouchesFor(record("k-1", device))).isTrue();
        assertThat(mark.vouchesFor(record("k-1", other))).as("registered again with another key").isFalse();
        assertThat(mark.vouchesFor(null)).as("no record").isFalse();
        assertThat(mark.vouchesFor(new Device("k-1", "default", new Device.Credential(Device.CredentialType.X5T_S256,
                "A".repeat(43)), List.of(), null, null, java.time.Instant.now()))).as("a thumbprint record").isFalse();

        // a mark written before keys were kept
        String withoutKey = new String(mark.encode(), StandardCharsets.UTF_8).replaceFirst("#[^\n]*\n", "");
        CertificateMark older = CertificateMark.parse(withoutKey.getBytes(StandardCharsets.UTF_8)).orElseThrow();
        assertThat(older.keyThumbprint()).isNull();
        assertThat(older.serial()).isEqualTo(device.cert().getSerialNumber());
        assertThat(older.vouchesFor(record("k-1", other))).as("a mark without a key is taken as before").isTrue();
    }

    private static Device record(String id, FleetPki.Issued cert) throws Exception {
        return new Device(id, "default", new Device.Credential(Device.CredentialType.JWK,
                com.nimbusds.jose.jwk.JWK.parse(cert.cert()).toPublicJWK().toJSONString()), List.of(), null, null,
                java.time.Instant.now());
    }

    @Test
    void aMarkFromBeforeCertificatesWereKeptNamesItsCaAndNoCertificate() {
        CertificateMark old = CertificateMark.parse("ca:acme".getBytes(StandardCharsets.UTF_8)).orElseThrow();
        assertThat(old.caId()).isEqualTo("acme");
        assertThat(old.serial()).isNull();
        assertThat(new String(old.encode(), StandardCharsets.UTF_8)).isEqualTo("ca:acme");
        CertificateMark unreadable = CertificateMark.parse("ca:acme\nnot-hex\nCN=x".getBytes(StandardCharsets.UTF_8))
                .orElseThrow();
        assertThat(unreadable.caId()).isEqualTo("acme");
        assertThat(unreadable.serial()).isNull();
        assertThat(CertificateMark.parse("group:g1".getBytes(StandardCharsets.UTF_8))).isEmpty();
    }

    private static FleetCa ca(FleetPki pki, List<java.security.cert.X509CRL> crls) {
        return new FleetCa("mark", "default", pki.caCertificate(), crls, DeviceIdRule.parse("subject-cn"), "default");
    }
}
