package io.edgeauth.broker.coap;

import java.security.Principal;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.californium.elements.auth.X509CertPath;
import org.eclipse.californium.scandium.dtls.ClientHello;
import org.eclipse.californium.scandium.dtls.ConnectionId;
import org.eclipse.californium.scandium.dtls.DTLSSession;
import org.eclipse.californium.scandium.dtls.ExtendedMasterSecretMode;
import org.eclipse.californium.scandium.dtls.HandshakeException;
import org.eclipse.californium.scandium.dtls.ResumptionSupportingConnectionStore;
import org.eclipse.californium.scandium.dtls.ResumptionVerificationResult;
import org.eclipse.californium.scandium.dtls.SessionId;
import org.eclipse.californium.scandium.dtls.resumption.ConnectionStoreResumptionVerifier;
import org.eclipse.californium.scandium.util.SecretUtil;
import org.eclipse.californium.scandium.util.ServerNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scandium's session resumption (an abbreviated handshake, RFC 5246 §7.3, as the device SDK makes to renew a silent
 * session) re-checks the client certificate of the session it resumes against the trust anchors and CRLs in force
 * now ({@link ReloadableCertificateVerifier}): an abbreviated handshake exchanges no certificate, so a device whose
 * certificate was revoked (a reload, or a restart with {@code coap.keepDtlsSessions}) or whose CA is no longer
 * trusted resumed its session and went on as long as it kept resuming (tour AF, AF1). Such a resumption is answered
 * with a full handshake, which refuses the certificate. Sessions of PSK and raw-public-key peers resume as before.
 * The sessions a restart restores are checked the same way ({@link RestoredDtlsSessions}).
 * Thread-safe; Scandium gives it the listener's connection store.
 */
final class TrustCheckingResumptionVerifier extends ConnectionStoreResumptionVerifier {
    private static final Logger LOG = LoggerFactory.getLogger(TrustCheckingResumptionVerifier.class);

    private final ReloadableCertificateVerifier trust;
    private volatile ResumptionSupportingConnectionStore store;

    TrustCheckingResumptionVerifier(ReloadableCertificateVerifier trust) {
        this.trust = trust;
    }

    @Override
    public void setConnectionStore(ResumptionSupportingConnectionStore connectionStore) {
        super.setConnectionStore(connectionStore);
        this.store = connectionStore;
    }

    /** A resumption that will be refused proves its address with the cookie exchange first, as a full handshake does. */
    @Override
    public boolean skipRequestHelloVerify(ClientHello clientHello, boolean sniEnabled, ExtendedMasterSecretMode mode) {
        if (!super.skipRequestHelloVerify(clientHello, sniEnabled, mode)) {
            return false;
        }
        ResumptionSupportingConnectionStore s = store;
        DTLSSession session = s == null ? null : s.find(clientHello.getSessionId());
        try {
            return session == null || refusal(session) == null;
        } finally {
            SecretUtil.destroy(session);
        }
    }

    @Override
    public ResumptionVerificationResult verifyResumptionRequest(ConnectionId cid, ServerNames serverName,
                                                                SessionId sessionId) {
        ResumptionVerificationResult result = super.verifyResumptionRequest(cid, serverName, sessionId);
        DTLSSession session = result.getDTLSSession();
        HandshakeException refused = session == null ? null : refusal(session);
        if (refused == null) {
            return result;
        }
        LOG.info("DTLS session resumption of {} refused: {} ({}); a full handshake follows",
                ((X509CertPath) session.getPeerIdentity()).getName(), refused.getAlert().getDescription(),
                refused.getMessage());
        SecretUtil.destroy(session);
        return new ResumptionVerificationResult(cid, null, null); // no session to resume: a full handshake
    }

    /** Why a full handshake would now refuse the session's client certificate, or null (also for PSK and RPK). */
    private HandshakeException refusal(DTLSSession session) {
        return refusal(trust, session.getPeerIdentity());
    }

    /** Why a full handshake would now refuse the X.509 client certificate {@code peerIdentity}, or null. */
    static HandshakeException refusal(ReloadableCertificateVerifier trust, Principal peerIdentity) {
        if (!(peerIdentity instanceof X509CertPath peer)) {
            return null;
        }
        List<X509Certificate> chain = new ArrayList<>();
        for (Certificate c : peer.getPath().getCertificates()) {
            chain.add((X509Certificate) c);
        }
        return trust.refusalNow(chain);
    }

}
