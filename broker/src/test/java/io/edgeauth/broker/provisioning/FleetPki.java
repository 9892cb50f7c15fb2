package io.edgeauth.broker.provisioning;

import java.io.StringWriter;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A fleet CA for tests (EC P-256, BouncyCastle builders): device certificates good and bad, CRLs, PEM. */
public final class FleetPki {
    private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime() & 0xffffffL);

    /** A key pair and its certificate. */
    public record Issued(KeyPair keys, X509Certificate cert) { }

    private final String name;
    private final Issued ca;

    public FleetPki(String name) throws Exception {
        this(name, null, null, null);
    }

    /**
     * A self-signed CA with a path length constraint (null: none) and name constraints (null: none), or, with
     * {@code parent}, an intermediate CA the parent signed.
     */
    private FleetPki(String name, Integer pathLen, org.bouncycastle.asn1.x509.NameConstraints names, FleetPki parent)
            throws Exception {
        this.name = name;
        KeyPair keys = ecKeyPair();
        JcaX509v3CertificateBuilder b = builder(parent == null ? "CN=" + name : "CN=" + parent.name, "CN=" + name, keys,
                Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(30)));
        b.addExtension(Extension.basicConstraints, true, pathLen == null ? new BasicConstraints(true)
                : new BasicConstraints(pathLen));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        if (names != null) {
            b.addExtension(Extension.nameConstraints, true, names);
        }
        this.ca = new Issued(keys, sign(b, parent == null ? keys : parent.ca.keys()));
    }

    /** A root CA whose basic constraints allow {@code pathLen} intermediate CAs below it. */
    public static FleetPki withPathLength(String name, int pathLen) throws Exception {
        return new FleetPki(name, pathLen, null, null);
    }

    /** A root CA whose certificates may only name subjects under the directory name {@code permittedSubtree}. */
    public static FleetPki withPermittedSubtree(String name, String permittedSubtree) throws Exception {
        return new FleetPki(name, null, new org.bouncycastle.asn1.x509.NameConstraints(
                new org.bouncycastle.asn1.x509.GeneralSubtree[] {new org.bouncycastle.asn1.x509.GeneralSubtree(
                        new org.bouncycastle.asn1.x509.GeneralName(new X500Name(permittedSubtree)))}, null), null);
    }

    /** A root CA permitted only the general names given ({@code GeneralName.dNSName} 2, {@code uniformResourceIdentifier} 6). */
    public static FleetPki withPermittedNames(String name, int type, String... permitted) throws Exception {
        org.bouncycastle.asn1.x509.GeneralSubtree[] subtrees = new org.bouncycastle.asn1.x509.GeneralSubtree[permitted.length];
        for (int i = 0; i < permitted.length; i++) {
            subtrees[i] = new org.bouncycastle.asn1.x509.GeneralSubtree(
                    new org.bouncycastle.asn1.x509.GeneralName(type, permitted[i]));
        }
        return new FleetPki(name, null, new org.bouncycastle.asn1.x509.NameConstraints(subtrees, null), null);
    }

    /** An intermediate CA this CA signed (no constraints of its own); its devices chain through it to this one. */
    public FleetPki intermediate(String name) throws Exception {
        return new FleetPki(name, null, null, this);
    }

    public X509Certificate caCertificate() {
        return ca.cert();
    }

    /** This (root) CA's certificate issued again, same subject and key, with a path length constraint. */
    public X509Certificate caCertificateWithPathLength(int pathLen) throws Exception {
        JcaX509v3CertificateBuilder b = builder("CN=" + name, "CN=" + name, ca.keys(), Instant.now().minus(Duration.ofHours(1)),
                Instant.now().plus(Duration.ofDays(30)));
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(pathLen));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        return sign(b, ca.keys());
    }

    /** A good device certificate: CN = device id, digitalSignature, clientAuth. */
    public Issued device(String id) throws Exception {
        return device(id, Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(1)),
                KeyUsage.digitalSignature, KeyPurposeId.id_kp_clientAuth);
    }

    public Issued device(String id, Instant notBefore, Instant notAfter, int keyUsage, KeyPurposeId purpose) throws Exception {
        return deviceNamed("CN=" + id, notBefore, notAfter, keyUsage, purpose);
    }

    /** A good device certificate for the subject name {@code subject} (an RFC 4514 string, read in order). */
    public Issued deviceNamed(String subject) throws Exception {
        return deviceNamed(subject, Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(1)),
                KeyUsage.digitalSignature, KeyPurposeId.id_kp_clientAuth);
    }

    private Issued deviceNamed(String subject, Instant notBefore, Instant notAfter, int keyUsage, KeyPurposeId purpose)
            throws Exception {
        KeyPair keys = ecKeyPair();
        JcaX509v3CertificateBuilder b = builder("CN=" + name, subject, keys, notBefore, notAfter);
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
        return new Issued(keys, sign(b, ca.keys()));
    }

    /** A CRL of this CA listing {@code revoked}. */
    public X509CRL crl(X509Certificate... revoked) throws Exception {
        Instant now = Instant.now();
        return crl(now.minusSeconds(60), now.plus(Duration.ofDays(1)), revoked);
    }

    /** A CRL of this CA issued at {@code thisUpdate}, due for renewal at {@code nextUpdate}, listing {@code revoked}. */
    public X509CRL crl(Instant thisUpdate, Instant nextUpdate, X509Certificate... revoked) throws Exception {
        Instant now = Instant.now();
        X509v2CRLBuilder b = new X509v2CRLBuilder(new X500Name("CN=" + name), Date.from(thisUpdate));
        b.setNextUpdate(Date.from(nextUpdate));
        for (X509Certificate c : revoked) {
            b.addCRLEntry(c.getSerialNumber(), Date.from(now.minusSeconds(30)), CRLReason.keyCompromise);
        }
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(ca.keys().getPrivate());
        return new JcaX509CRLConverter().getCRL(b.build(signer));
    }

    public static String pem(Object certOrCrl) throws Exception {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(certOrCrl);
        }
        return out.toString();
    }

    private static JcaX509v3CertificateBuilder builder(String issuer, String subject, KeyPair subjectKeys, Instant notBefore,
                                                       Instant notAfter) {
        return new JcaX509v3CertificateBuilder(new X500Name(issuer), BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(notBefore), Date.from(notAfter), new X500Name(subject), subjectKeys.getPublic());
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder b, KeyPair issuerKeys) throws Exception {
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate());
        return new JcaX509CertificateConverter().getCertificate(b.build(signer));
    }

    static KeyPair ecKeyPair() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }
}
