package io.edgeauth.broker.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERBMPString;
import org.bouncycastle.asn1.DERPrintableString;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The device id a certificate names under each rule, with subjects a fleet's CA might write. */
class DeviceIdRuleTest {
    private static KeyPair keys;

    @BeforeAll
    static void keys() throws Exception {
        keys = FleetPki.ecKeyPair();
    }

    private static X509Certificate withSubject(X500Name subject) throws Exception {
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("CN=issuer"), BigInteger.ONE,
                Date.from(Instant.now().minus(Duration.ofHours(1))), Date.from(Instant.now().plus(Duration.ofDays(1))),
                subject, keys.getPublic());
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
    }

    private static X509Certificate withAttributes(ASN1ObjectIdentifier[] types, ASN1Encodable[] values) throws Exception {
        return withSubject(new X500NameBuilder(BCStyle.INSTANCE).addMultiValuedRDN(types, values).build());
    }

    private static X509Certificate withSans(org.bouncycastle.asn1.x509.GeneralName... names) throws Exception {
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("CN=issuer"), BigInteger.TWO,
                Date.from(Instant.now().minus(Duration.ofHours(1))), Date.from(Instant.now().plus(Duration.ofDays(1))),
                new X500Name("CN=x"), keys.getPublic());
        b.addExtension(org.bouncycastle.asn1.x509.Extension.subjectAlternativeName, false,
                new org.bouncycastle.asn1.x509.GeneralNames(names));
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
    }

    /**
     * A SAN URI is the id exactly as the certificate writes it, fragment and query included (which the id check then
     * refuses for '#'): two certificates whose URIs differ never name one device. A tour reported the fragment lost; it
     * was openssl, which reads {@code #} in {@code -addext} as the start of a comment and never wrote it.
     */
    @Test
    void aSanUriOrDnsNameIsTheIdAsWrittenFragmentAndAll() throws Exception {
        int uri = org.bouncycastle.asn1.x509.GeneralName.uniformResourceIdentifier;
        int dns = org.bouncycastle.asn1.x509.GeneralName.dNSName;
        assertThat(DeviceIdRule.SAN_URI.deviceId(withSans(new org.bouncycastle.asn1.x509.GeneralName(uri,
                "urn:dev:abc#evil")))).contains("urn:dev:abc#evil");
        assertThat(DeviceIdRule.SAN_URI.deviceId(withSans(new org.bouncycastle.asn1.x509.GeneralName(uri,
                "spiffe://x/dev#1")))).contains("spiffe://x/dev#1");
        assertThat(DeviceIdRule.SAN_URI.deviceId(withSans(new org.bouncycastle.asn1.x509.GeneralName(uri,
                "urn:dev:q?x=1")))).contains("urn:dev:q?x=1");
        assertThat(DeviceIdRule.SAN_DNS.deviceId(withSans(new org.bouncycastle.asn1.x509.GeneralName(dns,
                "pump-7.fleet.example")))).contains("pump-7.fleet.example");
        assertThat(DeviceIdRule.SAN_URI.deviceId(withSans(new org.bouncycastle.asn1.x509.GeneralName(uri, "urn:a"),
                new org.bouncycastle.asn1.x509.GeneralName(uri, "urn:b")))).as("two name no device").isEmpty();
        assertThat(DeviceIdRule.SAN_URI.deviceId(withSans(new org.bouncycastle.asn1.x509.GeneralName(dns, "a.b"))))
                .as("no URI").isEmpty();
    }

    @Test
    void theSubjectsOneCommonNameIsTheDeviceId() throws Exception {
        X509Certificate cert = withSubject(new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Acme")
                .addRDN(BCStyle.CN, "valve-0042").addRDN(BCStyle.C, "DE").build());
        assertThat(DeviceIdRule.SUBJECT_CN.deviceId(cert)).contains("valve-0042");
    }

    @Test
    void charactersSpecialToDistinguishedNameStringsComeBackAsWritten() throws Exception {
        for (String cn : new String[] {"a,b", "a+b", "a=b", "\"quoted\"", "back\\slash", " leading", "trailing ",
                "#hash", "semi;colon", "<angle>", "Gerät-7", "设备-1"}) {
            X509Certificate cert = withSubject(new X500NameBuilder(BCStyle.INSTANCE)
                    .addRDN(BCStyle.CN, new DERUTF8String(cn)).build());
            assertThat(DeviceIdRule.SUBJECT_CN.deviceId(cert)).as(cn).contains(cn);
        }
    }

    @Test
    void theStringTypeTheCaChoseDoesNotMatter() throws Exception {
        for (ASN1Encodable value : new ASN1Encodable[] {new DERUTF8String("dev-1"), new DERPrintableString("dev-1"),
                new DERBMPString("dev-1")}) {
            X509Certificate cert = withAttributes(new ASN1ObjectIdentifier[] {BCStyle.CN}, new ASN1Encodable[] {value});
            assertThat(DeviceIdRule.SUBJECT_CN.deviceId(cert)).as(value.getClass().getSimpleName()).contains("dev-1");
        }
    }

    @Test
    void aCommonNameInAMultiValuedRdnCounts() throws Exception {
        X509Certificate cert = withAttributes(new ASN1ObjectIdentifier[] {BCStyle.O, BCStyle.CN},
                new ASN1Encodable[] {new DERUTF8String("Acme"), new DERUTF8String("dev-2")});
        assertThat(DeviceIdRule.SUBJECT_CN.deviceId(cert)).contains("dev-2");
    }

    @Test
    void noCommonNameOrMoreThanOneNamesNoDevice() throws Exception {
        assertThat(DeviceIdRule.SUBJECT_CN.deviceId(withSubject(new X500Name("O=Acme,C=DE")))).isEmpty();
        assertThat(DeviceIdRule.SUBJECT_CN.deviceId(withSubject(new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.CN, "dev-a").addRDN(BCStyle.CN, "dev-b").build()))).isEmpty();
        assertThat(DeviceIdRule.SUBJECT_CN.deviceId(withAttributes(new ASN1ObjectIdentifier[] {BCStyle.CN, BCStyle.CN},
                new ASN1Encodable[] {new DERUTF8String("dev-a"), new DERUTF8String("dev-b")}))).isEmpty();
    }
}
