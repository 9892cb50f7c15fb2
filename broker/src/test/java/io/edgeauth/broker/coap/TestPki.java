package io.edgeauth.broker.coap;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x509.TBSCertificate;
import org.bouncycastle.asn1.x509.Time;
import org.bouncycastle.asn1.x509.V3TBSCertificateGenerator;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * EC P-256 test PKI (a CA, server and client certificates) built with the JDK's signature API and
 * BouncyCastle's ASN.1 classes only (bcprov is on the classpath through web3j; bcpkix is not).
 */
final class TestPki {
    private static final AtomicLong SERIAL = new AtomicLong(1000);

    /** A key pair and its certificate. */
    record Issued(KeyPair keys, X509Certificate cert) {
        PrivateKey privateKey() {
            return keys.getPrivate();
        }
    }

    final Issued ca;

    TestPki() throws Exception {
        KeyPair caKeys = ecKeyPair();
        ca = new Issued(caKeys, sign("CN=edgeauth test CA", caKeys, "CN=edgeauth test CA", caKeys, true, null));
    }

    private TestPki(Issued ca) {
        this.ca = ca;
    }

    /** Writes the CA (certificate DER, PKCS#8 key, public key X.509 DER) to {@code dir} for another process. */
    void saveCa(Path dir) throws Exception {
        Files.createDirectories(dir);
        Files.write(dir.resolve("ca.crt"), ca.cert().getEncoded());
        Files.write(dir.resolve("ca.key"), ca.privateKey().getEncoded());
    }

    /** The CA saved by {@link #saveCa} (benchmark clients in another JVM issue their certificates with it). */
    static TestPki loadCa(Path dir) throws Exception {
        X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(dir.resolve("ca.crt"))));
        PrivateKey key = KeyFactory.getInstance("EC")
                .generatePrivate(new PKCS8EncodedKeySpec(Files.readAllBytes(dir.resolve("ca.key"))));
        return new TestPki(new Issued(new KeyPair(cert.getPublicKey(), key), cert));
    }

    static KeyPair ecKeyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    Issued server(String cn) throws Exception {
        KeyPair k = ecKeyPair();
        return new Issued(k, sign("CN=" + cn, k, "CN=edgeauth test CA", ca.keys(), false, KeyPurposeId.id_kp_serverAuth));
    }

    Issued client(String cn) throws Exception {
        KeyPair k = ecKeyPair();
        return new Issued(k, sign("CN=" + cn, k, "CN=edgeauth test CA", ca.keys(), false, KeyPurposeId.id_kp_clientAuth));
    }

    private static X509Certificate sign(String subject, KeyPair subjectKeys, String issuer, KeyPair issuerKeys,
                                        boolean isCa, KeyPurposeId purpose) throws Exception {
        AlgorithmIdentifier alg = new AlgorithmIdentifier(X9ObjectIdentifiers.ecdsa_with_SHA256);
        V3TBSCertificateGenerator g = new V3TBSCertificateGenerator();
        g.setSerialNumber(new ASN1Integer(BigInteger.valueOf(SERIAL.incrementAndGet())));
        g.setIssuer(new X500Name(issuer));
        g.setSubject(new X500Name(subject));
        Instant now = Instant.now();
        g.setStartDate(new Time(Date.from(now.minus(Duration.ofHours(1)))));
        g.setEndDate(new Time(Date.from(now.plus(Duration.ofDays(2)))));
        g.setSubjectPublicKeyInfo(SubjectPublicKeyInfo.getInstance(subjectKeys.getPublic().getEncoded()));
        g.setSignature(alg);
        Extension[] ext;
        if (isCa) {
            ext = new Extension[] {
                new Extension(Extension.basicConstraints, true, new BasicConstraints(true).getEncoded()),
                new Extension(Extension.keyUsage, true,
                        new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign).getEncoded())};
        } else {
            ext = new Extension[] {
                new Extension(Extension.basicConstraints, true, new BasicConstraints(false).getEncoded()),
                new Extension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature).getEncoded()),
                new Extension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose).getEncoded()),
                new Extension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                    new GeneralName(GeneralName.dNSName, "localhost")}).getEncoded())};
        }
        g.setExtensions(new Extensions(ext));
        TBSCertificate tbs = g.generateTBSCertificate();
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(issuerKeys.getPrivate());
        s.update(tbs.getEncoded(ASN1Encoding.DER));
        ASN1EncodableVector v = new ASN1EncodableVector();
        v.add(tbs);
        v.add(alg);
        v.add(new DERBitString(s.sign()));
        byte[] der = new DERSequence(v).getEncoded(ASN1Encoding.DER);
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(der));
    }
}
