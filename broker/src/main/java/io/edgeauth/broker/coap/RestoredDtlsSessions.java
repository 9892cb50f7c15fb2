package io.edgeauth.broker.coap;

import java.security.Principal;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.californium.elements.auth.PreSharedKeyIdentity;
import org.eclipse.californium.elements.auth.RawPublicKeyIdentity;
import org.eclipse.californium.elements.auth.X509CertPath;
import org.eclipse.californium.elements.util.Filter;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.dtls.CertificateType;
import org.eclipse.californium.scandium.dtls.HandshakeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DTLS connections restored from the last run ({@link DtlsSessionsFile}) that the restarted listener would not
 * accept in a handshake now are ended before it opens: made under the last run's settings, they would otherwise go on
 * without one. That is a session whose client certificate the trust anchors or CRL in force refuse (tour AF, AF2), and
 * one of a kind of credential the listener no longer takes: device certificates without {@code coap.trustStore}, raw
 * public keys without {@code coap.rawPublicKeys}, PSKs without a PSK master (tour AF, AF6). Stateless.
 */
final class RestoredDtlsSessions {
    private static final Logger LOG = LoggerFactory.getLogger(RestoredDtlsSessions.class);

    private RestoredDtlsSessions() {
    }

    /**
     * Ends those of {@code connector}'s connections (restored, not yet started) that the listener of {@code settings}
     * and its certificate check ({@code trust}, null when it takes no certificates) would refuse now; returns how many.
     */
    static int endThoseRefusedNow(DTLSConnector connector, CoapSettings settings, ReloadableCertificateVerifier trust) {
        AtomicInteger ended = new AtomicInteger();
        try {
            connector.startTerminateConnectionsForPrincipal((Filter<Principal>) peer -> {
                String refused = refusal(peer, settings, trust);
                if (refused != null) {
                    ended.incrementAndGet();
                    LOG.info("DTLS session of {} kept from the last run not restored: {}", peer.getName(), refused);
                }
                return refused != null;
            }, true).get(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.warn("DTLS sessions kept from the last run not checked against the listener's settings ({})",
                    e.toString());
        }
        return ended.get();
    }

    /** Why a handshake by {@code peer} would be refused now, or null (also asked by {@code /token}: tour AF, AF8). */
    static String refusal(Principal peer, CoapSettings settings, ReloadableCertificateVerifier trust) {
        if (peer instanceof X509CertPath) {
            if (trust == null || !trust.getSupportedCertificateTypes().contains(CertificateType.X_509)) {
                return "the listener takes no device certificates now (coap.trustStore)";
            }
            HandshakeException refused = TrustCheckingResumptionVerifier.refusal(trust, peer);
            return refused == null ? null : refused.getAlert().getDescription() + " (" + refused.getMessage() + ")";
        }
        if (peer instanceof RawPublicKeyIdentity) {
            return trust == null || !trust.getSupportedCertificateTypes().contains(CertificateType.RAW_PUBLIC_KEY)
                    ? "the listener takes no raw public keys now (coap.rawPublicKeys)" : null;
        }
        if (peer instanceof PreSharedKeyIdentity) {
            return settings.pskMasterSecret() == null ? "the listener takes no PSKs now (coap.pskMasterSecretFile)" : null;
        }
        return null;
    }
}
