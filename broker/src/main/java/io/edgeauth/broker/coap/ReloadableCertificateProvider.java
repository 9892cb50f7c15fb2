package io.edgeauth.broker.coap;

import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import javax.security.auth.x500.X500Principal;
import org.eclipse.californium.scandium.dtls.CertificateIdentityResult;
import org.eclipse.californium.scandium.dtls.CertificateType;
import org.eclipse.californium.scandium.dtls.ConnectionId;
import org.eclipse.californium.scandium.dtls.HandshakeResultHandler;
import org.eclipse.californium.scandium.dtls.SignatureAndHashAlgorithm;
import org.eclipse.californium.scandium.dtls.cipher.CipherSuite;
import org.eclipse.californium.scandium.dtls.cipher.XECDHECryptography;
import org.eclipse.californium.scandium.dtls.x509.CertificateConfigurationHelper;
import org.eclipse.californium.scandium.dtls.x509.CertificateProvider;
import org.eclipse.californium.scandium.dtls.x509.ConfigurationHelperSetup;
import org.eclipse.californium.scandium.dtls.x509.SingleCertificateProvider;

/**
 * The DTLS listener's own key and certificate chain, replaceable at run time: Scandium asks its certificate
 * provider once per handshake, so after {@link #swap} new handshakes present the new chain; established DTLS
 * sessions keep theirs. Scandium fixes the cipher suites when the connector is built from the key's algorithm, so
 * a new key must be of the same algorithm (an EC key stays an EC key). Thread-safe.
 */
final class ReloadableCertificateProvider implements CertificateProvider, ConfigurationHelperSetup {
    /** What is served: Scandium's provider over the key and chain, and the leaf (for answers and the audit). */
    private record Served(SingleCertificateProvider provider, X509Certificate leaf) {
    }

    private final List<CertificateType> types;
    private final String keyAlgorithm;
    private volatile Served current;

    ReloadableCertificateProvider(PrivateKey key, List<X509Certificate> chain, List<CertificateType> types) {
        this.types = List.copyOf(types);
        this.keyAlgorithm = key.getAlgorithm();
        this.current = serve(key, chain);
    }

    /**
     * Serves {@code key} and {@code chain} (leaf first) to new handshakes.
     *
     * @throws IllegalArgumentException when the key does not belong to the leaf, is of another algorithm than the
     *                                  one the listener started with, or the leaf cannot sign handshakes
     */
    synchronized void swap(PrivateKey key, List<X509Certificate> chain) {
        Objects.requireNonNull(key, "key");
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("no certificate chain for the server key");
        }
        if (!key.getAlgorithm().equals(keyAlgorithm)) {
            throw new IllegalArgumentException("the server key is " + key.getAlgorithm() + " but the DTLS listener"
                    + " started with " + keyAlgorithm + " (its cipher suites follow the key): restart to change it");
        }
        CertificateConfigurationHelper check = new CertificateConfigurationHelper();
        check.verifyKeyPair(key, chain.get(0).getPublicKey());
        check.addConfigurationDefaultsFor(chain);
        if (!check.canBeUsedForAuthentication(false)) {
            throw new IllegalArgumentException("the server certificate cannot be used for DTLS server authentication"
                    + " (key usage / extended key usage)");
        }
        current = serve(key, chain);
    }

    /** The leaf certificate served now. */
    X509Certificate serverCertificate() {
        return current.leaf();
    }

    private Served serve(PrivateKey key, List<X509Certificate> chain) {
        return new Served(new SingleCertificateProvider(key, chain.toArray(new Certificate[0]), types), chain.get(0));
    }

    @Override
    public void setupConfigurationHelper(CertificateConfigurationHelper helper) {
        current.provider().setupConfigurationHelper(helper);
    }

    @Override
    public List<CipherSuite.CertificateKeyAlgorithm> getSupportedCertificateKeyAlgorithms() {
        return current.provider().getSupportedCertificateKeyAlgorithms();
    }

    @Override
    public List<CertificateType> getSupportedCertificateTypes() {
        return types;
    }

    @Override
    public CertificateIdentityResult requestCertificateIdentity(ConnectionId cid, boolean client,
            List<X500Principal> issuers, org.eclipse.californium.scandium.util.ServerNames serverNames,
            List<CipherSuite.CertificateKeyAlgorithm> certificateKeyAlgorithms,
            List<SignatureAndHashAlgorithm> signatureAndHashAlgorithms,
            List<XECDHECryptography.SupportedGroup> curves) {
        return current.provider().requestCertificateIdentity(cid, client, issuers, serverNames, certificateKeyAlgorithms,
                signatureAndHashAlgorithms, curves);
    }

    @Override
    public void setResultHandler(HandshakeResultHandler resultHandler) {
        // answers synchronously (as SingleCertificateProvider does): no result handler needed
    }
}
