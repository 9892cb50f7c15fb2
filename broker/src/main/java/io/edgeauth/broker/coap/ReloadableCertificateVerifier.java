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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scandium's certificate check plus revocation, replaceable at run time: the delegate (trust anchors, raw public
 * keys) decides first, then a device certificate chain that one of the CRLs lists is refused with alert
 * {@code certificate_revoked} (Scandium's own verifier has no CRL support). {@link #swap} puts new trust and CRLs in
 * force for the next handshake; established DTLS sessions are kept. Answers synchronously, like the delegate. A
 * refusal is logged with the peer, the certificate and the reason: the handshake ends before any audited
 * authentication, so the log is the operator's only trace of a device that cannot connect. Thread-safe.
 */
final class ReloadableCertificateVerifier implements NewAdvancedCertificateVerifier {
    private static final Logger LOG = LoggerFactory.getLogger(ReloadableCertificateVerifier.class);

    private record State(NewAdvancedCertificateVerifier delegate, List<X509CRL> crls) {
    }

    private volatile State state;
    private volatile HandshakeResultHandler resultHandler;

    ReloadableCertificateVerifier(NewAdvancedCertificateVerifier delegate, List<X509CRL> crls) {
        this.state = new State(Objects.requireNonNull(delegate, "delegate"), List.copyOf(crls));
    }

    /** The next handshakes are checked by {@code delegate} and {@code crls}; it must support the same certificate types. */
    synchronized void swap(NewAdvancedCertificateVerifier delegate, List<X509CRL> crls) {
        if (!delegate.getSupportedCertificateTypes().equals(state.delegate().getSupportedCertificateTypes())) {
            throw new IllegalArgumentException("a reload cannot change the certificate types (X.509, raw public keys)");
        }
        if (resultHandler != null) {
            delegate.setResultHandler(resultHandler);
        }
        state = new State(delegate, List.copyOf(crls));
    }

    int revokedEntries() {
        return state.crls().stream().mapToInt(c -> c.getRevokedCertificates() == null ? 0 : c.getRevokedCertificates().size()).sum();
    }

    @Override
    public List<CertificateType> getSupportedCertificateTypes() {
        return state.delegate().getSupportedCertificateTypes();
    }

    @Override
    public CertificateVerificationResult verifyCertificate(ConnectionId cid, ServerNames serverName,
                                                           InetSocketAddress remotePeer, boolean clientUsage,
                                                           boolean verifySubject, boolean truncateCertificatePath,
                                                           CertificateMessage message) {
        State current = state;
        CertificateVerificationResult result = current.delegate().verifyCertificate(cid, serverName, remotePeer, clientUsage,
                verifySubject, truncateCertificatePath, message);
        if (result == null) {
            return null;
        }
        if (result.getException() != null) {
            logRefusal(remotePeer, message, result.getException());
            return result;
        }
        HandshakeException refused = revocationOf(current.crls(), message.getCertificateChain());
        if (refused != null) {
            logRefusal(remotePeer, message, refused);
            return new CertificateVerificationResult(cid, refused, result.getCustomArgument());
        }
        return result;
    }

    /**
     * Why a handshake presenting {@code chain} now would be refused, or null if it would pass: the trust anchors (a CA
     * no longer trusted, an expired certificate) and the CRLs in force. For a session made under earlier ones
     * ({@link TrustCheckingResumptionVerifier}).
     */
    HandshakeException refusalNow(List<X509Certificate> chain) {
        State current = state;
        CertificateMessage message = new CertificateMessage(chain);
        // no handshake to answer: Scandium's verifier wants a connection id all the same
        CertificateVerificationResult result = current.delegate().verifyCertificate(ConnectionId.EMPTY, null, null,
                true, false, true, message);
        if (result == null) { // an answer only later (an asynchronous delegate, which the edge does not use)
            return new HandshakeException("the certificate check answers asynchronously",
                    new AlertMessage(AlertMessage.AlertLevel.FATAL, AlertMessage.AlertDescription.BAD_CERTIFICATE));
        }
        return result.getException() != null ? result.getException()
                : revocationOf(current.crls(), message.getCertificateChain());
    }

    /** The refusal of a chain one of {@code crls} lists (alert {@code certificate_revoked}), or null. */
    private static HandshakeException revocationOf(List<X509CRL> crls, CertPath presented) {
        if (presented == null) {
            return null; // a raw public key: bound to a device by the token's cnf, not by a CA
        }
        for (Certificate c : presented.getCertificates()) {
            if (c instanceof X509Certificate cert && revoked(crls, cert)) {
                String why = "certificate serial " + cert.getSerialNumber().toString(16) + " of "
                        + cert.getSubjectX500Principal().getName() + " is revoked";
                return new HandshakeException(why,
                        new AlertMessage(AlertMessage.AlertLevel.FATAL, AlertMessage.AlertDescription.CERTIFICATE_REVOKED));
            }
        }
        return null;
    }

    private static void logRefusal(InetSocketAddress peer, CertificateMessage message, HandshakeException refused) {
        CertPath path = message.getCertificateChain();
        String leaf = path != null && !path.getCertificates().isEmpty()
                && path.getCertificates().get(0) instanceof X509Certificate x
                ? x.getSubjectX500Principal().getName() + " serial " + x.getSerialNumber().toString(16)
                : "a raw public key";
        LOG.info("DTLS handshake from {} refused the client certificate ({}): alert {}, {}", peer, leaf,
                refused.getAlert().getDescription(), refused.getMessage());
    }

    private static boolean revoked(List<X509CRL> crls, X509Certificate cert) {
        for (X509CRL crl : crls) {
            if (crl.getIssuerX500Principal().equals(cert.getIssuerX500Principal()) && crl.isRevoked(cert)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public List<X500Principal> getAcceptedIssuers() {
        return state.delegate().getAcceptedIssuers();
    }

    @Override
    public synchronized void setResultHandler(HandshakeResultHandler resultHandler) {
        this.resultHandler = resultHandler;
        state.delegate().setResultHandler(resultHandler);
    }
}
