package io.edgeauth.broker.coap;

import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.CertPath;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import javax.security.auth.x500.X500Principal;
import org.eclipse.californium.scandium.dtls.AlertMessage;
import org.eclipse.californium.scandium.dtls.CertificateMessage;
import org.eclipse.californium.scandium.dtls.CertificateType;
import org.eclipse.californium.scandium.dtls.CertificateVerificationResult;
import org.eclipse.californium.scandium.dtls.ConnectionId;
import org.eclipse.californium.scandium.dtls.HandshakeException;
import org.eclipse.californium.scandium.dtls.HandshakeResultHandler;
import org.eclipse.californium.scandium.dtls.x509.NewAdvancedCertificateVerifier;
import org.eclipse.californium.scandium.util.ServerNames;

/**
 * Scandium's certificate check plus revocation: the delegate (trust anchors, raw public keys) decides first, then a
 * device certificate chain that one of the CRLs lists is refused with alert {@code certificate_revoked}. Scandium's
 * own verifier has no CRL support. Answers synchronously, like the delegate. Thread-safe.
 */
final class RevocationCheckingVerifier implements NewAdvancedCertificateVerifier {
    private final NewAdvancedCertificateVerifier delegate;
    private final List<X509CRL> crls;

    RevocationCheckingVerifier(NewAdvancedCertificateVerifier delegate, List<X509CRL> crls) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.crls = List.copyOf(crls);
    }

    @Override
    public List<CertificateType> getSupportedCertificateTypes() {
        return delegate.getSupportedCertificateTypes();
    }

    @Override
    public CertificateVerificationResult verifyCertificate(ConnectionId cid, ServerNames serverName,
                                                           InetSocketAddress remotePeer, boolean clientUsage,
                                                           boolean verifySubject, boolean truncateCertificatePath,
                                                           CertificateMessage message) {
        CertificateVerificationResult result = delegate.verifyCertificate(cid, serverName, remotePeer, clientUsage,
                verifySubject, truncateCertificatePath, message);
        if (result == null || result.getException() != null) {
            return result;
        }
        CertPath presented = message.getCertificateChain();
        if (presented == null) {
            return result; // a raw public key: bound to a device by the token's cnf, not by a CA
        }
        for (Certificate c : presented.getCertificates()) {
            if (c instanceof X509Certificate cert && revoked(cert)) {
                String why = "certificate serial " + cert.getSerialNumber().toString(16) + " of "
                        + cert.getSubjectX500Principal().getName() + " is revoked";
                return new CertificateVerificationResult(cid, new HandshakeException(why,
                        new AlertMessage(AlertMessage.AlertLevel.FATAL, AlertMessage.AlertDescription.CERTIFICATE_REVOKED)),
                        result.getCustomArgument());
            }
        }
        return result;
    }

    private boolean revoked(X509Certificate cert) {
        for (X509CRL crl : crls) {
            if (crl.getIssuerX500Principal().equals(cert.getIssuerX500Principal()) && crl.isRevoked(cert)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public List<X500Principal> getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
    }

    @Override
    public void setResultHandler(HandshakeResultHandler resultHandler) {
        delegate.setResultHandler(resultHandler);
    }
}
