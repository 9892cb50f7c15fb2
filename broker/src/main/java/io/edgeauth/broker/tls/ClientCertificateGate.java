package io.edgeauth.broker.tls;

import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.PKIXReason;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client-certificate check of a TLS handshake whose real decision is made later by the application: a chain
 * passes when the listener's trust store accepts it ({@link ReloadableTrustManager}: anchors and CRL, reloadable)
 * or when {@code alsoLetThrough} does (e.g. the top certificate is signed by a CA the application validates fully
 * itself, with reasons the handshake could not give). Anything else is refused in the handshake as an unknown
 * CA (or, for a trusted CA's certificate out of its dates, as expired). Either way the handshake proves possession of
 * the leaf's key. A refusal is logged with its reason: the handshake ends before any audited authentication. Thread-safe.
 */
public final class ClientCertificateGate extends ClientTrustManager {
    private static final Logger LOG = LoggerFactory.getLogger(ClientCertificateGate.class);

    private final ReloadableTrustManager trustStore;
    private final Predicate<X509Certificate[]> alsoLetThrough;
    private final boolean logRefusals;

    /** @param trustStore the listener's trust store, or null for none */
    public ClientCertificateGate(ReloadableTrustManager trustStore, Predicate<X509Certificate[]> alsoLetThrough) {
        this(trustStore, alsoLetThrough, true);
    }

    /**
     * @param logRefusals false where the listener traces refusals itself, with the peer address this gate does not
     *                    know (MQTT: {@code TlsRefusals}); one line per refusal would be written twice
     */
    public ClientCertificateGate(ReloadableTrustManager trustStore, Predicate<X509Certificate[]> alsoLetThrough,
                                 boolean logRefusals) {
        this.trustStore = trustStore;
        this.alsoLetThrough = Objects.requireNonNull(alsoLetThrough, "alsoLetThrough");
        this.logRefusals = logRefusals;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw untrusted("no client certificate");
        }
        CertificateException refused;
        if (trustStore != null) {
            try {
                trustStore.checkClientTrusted(chain, authType);
                return;
            } catch (CertificateException e) {
                refused = e;
            }
        } else {
            refused = untrusted("certificate of " + chain[0].getSubjectX500Principal().getName()
                    + " does not chain to a trusted CA");
        }
        if (!alsoLetThrough.test(chain)) {
            // no session, no client id yet: the log is the operator's only trace of a device that cannot connect
            if (logRefusals) {
                LOG.info("TLS handshake refused the client certificate: {}", refused.getMessage());
            }
            throw refused;
        }
    }

    /**
     * The reason a chain accepted earlier (a resumed TLS session) is refused by the trust store in force now
     * ({@code certificate_revoked}, {@code certificate_untrusted}), or null: a chain {@code alsoLetThrough} takes is
     * not the trust store's to refuse, unless the store's CRL lists it. Null without a trust store.
     */
    public String refusal(java.security.cert.Certificate[] chain) {
        String refusal = trustStore == null ? null : trustStore.current().refusal(chain);
        if (!"certificate_untrusted".equals(refusal)) {
            return refusal;
        }
        X509Certificate[] x509 = new X509Certificate[chain.length];
        for (int i = 0; i < chain.length; i++) {
            if (!(chain[i] instanceof X509Certificate c)) {
                return refusal;
            }
            x509[i] = c;
        }
        return alsoLetThrough.test(x509) ? null : refusal;
    }

    private static CertificateException untrusted(String message) {
        return new CertificateException(message, new CertPathValidatorException(message, null, null, -1,
                PKIXReason.NO_TRUST_ANCHOR));
    }
}
