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
