package io.edgeauth.simulator.fleet;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.ECKey;
import io.edgeauth.device.DeviceIdentity;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The fleet's certificate authority for X.509 devices: a P-256 key derived from the fleet seed (device
 * {@code fleet-ca-0} of the seed's derivation) and a self-signed CA certificate over it, which the broker trusts
 * ({@code coap.trustStore}, PEM from {@code fleet-ca}). Each device's certificate is made when its session starts,
 * over the device's own derived P-256 key (so the token's {@code cnf} binds its DTLS session, as with raw public
 * keys), subject {@code CN=<device id>}, signed by the CA. Nothing is stored: every process of the fleet derives the
 * same CA key, and certificates it signs chain to any of its CA certificates. Thread-safe.
 */
public final class FleetCa {
    /** How long a device certificate is valid: the session's length is far below it. */
    private static final Duration DEVICE_VALIDITY = Duration.ofDays(2);
    /** The CA certificate is valid from a fixed instant, so every process makes the same subject and validity. */
    private static final Instant CA_NOT_BEFORE = Instant.parse("2025-01-01T00:00:00Z");
    private static final Instant CA_NOT_AFTER = Instant.parse("2045-01-01T00:00:00Z");

    private final KeyPair caKey;
    private final X500Principal caName = new X500Principal("CN=edgeauth simulator fleet CA");
    private final X509Certificate caCertificate;

    public FleetCa(String seed) {
        FleetIdentities keys = new FleetIdentities(seed, "fleet-ca", DeviceIdentity.KeyType.EC_P256);
        try {
            this.caKey = ((ECKey) keys.privateKey(0)).toKeyPair();
        } catch (JOSEException e) {
            throw new IllegalStateException("fleet CA key", e);
        }
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caName, BigInteger.ONE, Date.from(CA_NOT_BEFORE),
                Date.from(CA_NOT_AFTER), caName, caKey.getPublic());
        try {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        this.caCertificate = sign(b);
    }

    /** The CA certificate (self-signed). */
    public X509Certificate certificate() {
        return caCertificate;
    }

    /** The CA certificate as PEM, for the broker's {@code coap.trustStore}. */
    public String pem() {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(w)) {
            pem.writeObject(caCertificate);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return w.toString();
    }

    /** A certificate for {@code deviceId} over {@code key}, valid from a minute ago for {@link #DEVICE_VALIDITY}. */
    public X509Certificate deviceCertificate(String deviceId, PublicKey key) {
        Instant now = Instant.now();
        byte[] serial = new byte[16];
        java.util.concurrent.ThreadLocalRandom.current().nextBytes(serial);
        X500Principal subject = new X500Principal("CN=" + deviceId.replaceAll("[^A-Za-z0-9._-]", "_"));
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caName, new BigInteger(1, serial),
                Date.from(now.minusSeconds(60)), Date.from(now.plus(DEVICE_VALIDITY)), subject, key);
        try {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return sign(b);
    }

    private X509Certificate sign(X509v3CertificateBuilder b) {
        try {
            ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate());
            return new JcaX509CertificateConverter().getCertificate(b.build(signer));
        } catch (OperatorCreationException | CertificateException e) {
            throw new IllegalStateException("cannot sign a certificate as the fleet CA", e);
        }
    }

    /** UTF-8 bytes of {@link #pem()}. */
    public byte[] pemBytes() {
        return pem().getBytes(StandardCharsets.UTF_8);
    }
}
