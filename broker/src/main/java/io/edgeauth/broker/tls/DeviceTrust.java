package io.edgeauth.broker.tls;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * One immutable set of device trust: the trust anchors, the JDK's PKIX validation over them, and the revocation
 * lists of their CAs. {@link #check} fails with a {@link CertificateException} whose cause is a
 * {@link CertPathValidatorException} of reason {@code NO_TRUST_ANCHOR} or {@code REVOKED}, the reasons TLS
 * engines turn into the alerts {@code unknown_ca} (48) and {@code certificate_revoked} (44). Thread-safe.
 */
public final class DeviceTrust {
    private final List<X509Certificate> anchors;
    private final List<X509CRL> crls;
    private final X509TrustManager pkix;

    /** @param crls revocation lists already checked against {@code anchors} ({@link RevocationLists}); may be empty */
    public DeviceTrust(List<X509Certificate> anchors, List<X509CRL> crls) {
        this.anchors = List.copyOf(anchors);
        this.crls = List.copyOf(Objects.requireNonNull(crls, "crls"));
        if (this.anchors.isEmpty()) {
            throw new TlsMaterialException("device trust needs at least one trust anchor");
        }
        this.pkix = pkix(this.anchors);
    }

    public List<X509Certificate> anchors() {
        return anchors;
    }

    public List<X509CRL> crls() {
        return crls;
    }

    /** Revoked serial numbers over all lists. */
    public int revokedEntries() {
        return crls.stream().mapToInt(c -> c.getRevokedCertificates() == null ? 0 : c.getRevokedCertificates().size()).sum();
    }

    /** The earliest next update of the lists, or null (no list, or none names one). */
    public Instant crlNextUpdate() {
        return crls.stream().filter(c -> c.getNextUpdate() != null).map(c -> c.getNextUpdate().toInstant())
                .min(Instant::compareTo).orElse(null);
    }

    /** Checks a client chain (leaf first): it chains to an anchor and none of its certificates is revoked. */
    public void check(X509Certificate[] chain, String authType) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw untrusted("no client certificate", null);
        }
        try {
            pkix.checkClientTrusted(chain, authType);
        } catch (CertificateException e) {
            CertificateException outOfDate = outOfDate(chain, e);
            throw outOfDate != null ? outOfDate : untrusted("certificate of "
                    + chain[0].getSubjectX500Principal().getName() + " does not chain to a trusted CA", e);
        }
        anchorConstraints(chain);
        for (X509Certificate cert : chain) {
            X509CRLEntry entry = revocation(cert);
            if (entry != null) {
                String message = "certificate serial " + cert.getSerialNumber().toString(16) + " of "
                        + cert.getSubjectX500Principal().getName() + " is revoked (CRL of "
                        + cert.getIssuerX500Principal().getName() + ")";
                throw new CertificateException(message, new CertPathValidatorException(message, null, null, -1,
                        CertPathValidatorException.BasicReason.REVOKED));
            }
        }
    }

    /**
     * A chain that leads to a trusted CA but whose validation failed on a certificate's dates: a refusal with reason
     * {@code EXPIRED} or {@code NOT_YET_VALID} naming the certificate and its dates, so the device hears
     * {@code certificate_expired} rather than of an unknown CA (tour W, W9). Null for any other failure.
     */
    private static CertificateException outOfDate(X509Certificate[] chain, CertificateException failure) {
        for (Throwable c = failure.getCause(); c != null; c = c.getCause()) {
            if (c instanceof CertPathValidatorException cpve
                    && (cpve.getReason() == CertPathValidatorException.BasicReason.EXPIRED
                    || cpve.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID)) {
                X509Certificate cert = cpve.getIndex() >= 0 && cpve.getIndex() < chain.length
                        ? chain[cpve.getIndex()] : chain[0];
                String message = "certificate serial " + cert.getSerialNumber().toString(16) + " of "
                        + cert.getSubjectX500Principal().getName() + " is "
                        + (cpve.getReason() == CertPathValidatorException.BasicReason.EXPIRED ? "expired" : "not yet valid")
                        + " (notBefore " + cert.getNotBefore().toInstant() + ", notAfter " + cert.getNotAfter().toInstant() + ")";
                return new CertificateException(message, new CertPathValidatorException(message, failure, null, -1,
                        cpve.getReason()));
            }
        }
        return null;
    }

    /**
     * The reason a chain is refused now ({@code certificate_revoked}, {@code certificate_expired},
     * {@code certificate_untrusted}), or null if it passes: the check again for a chain that was accepted earlier,
     * e.g. by a resumed TLS session.
     */
    public String refusal(java.security.cert.Certificate[] chain) {
        X509Certificate[] x509 = new X509Certificate[chain.length];
        for (int i = 0; i < chain.length; i++) {
            if (!(chain[i] instanceof X509Certificate c)) {
                return "certificate_untrusted";
            }
            x509[i] = c;
        }
        try {
            check(x509, "UNKNOWN");
            return null;
        } catch (CertificateException e) {
            if (!(e.getCause() instanceof CertPathValidatorException cpve)) {
                return "certificate_untrusted";
            }
            return cpve.getReason() == CertPathValidatorException.BasicReason.REVOKED ? "certificate_revoked"
                    : cpve.getReason() == CertPathValidatorException.BasicReason.EXPIRED
                    || cpve.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID
                    ? "certificate_expired" : "certificate_untrusted";
        }
    }

    /**
     * The path length and name constraints of the anchor the chain leads to, which PKIX does not apply to an anchor
     * ({@link AnchorConstraints}): the presented certificates up to the one the anchor issued.
     */
    private void anchorConstraints(X509Certificate[] chain) throws CertificateException {
        for (int i = 0; i < chain.length; i++) {
            X509Certificate anchor = anchorOf(chain[i]);
            if (anchor != null) {
                try {
                    AnchorConstraints.check(List.of(chain).subList(0, i + 1), anchor);
                } catch (AnchorConstraints.Violation v) {
                    throw untrusted(v.getMessage() + " (" + anchor.getSubjectX500Principal().getName() + ")", null);
                }
                return;
            }
        }
    }

    /** The anchor that issued {@code cert} (by name, and by key when two anchors share a name), or null. */
    private X509Certificate anchorOf(X509Certificate cert) {
        X509Certificate named = null;
        int sharing = 0;
        for (X509Certificate a : anchors) {
            if (a.getSubjectX500Principal().equals(cert.getIssuerX500Principal()) && !a.equals(cert)) {
                named = a;
                sharing++;
            }
        }
        if (sharing <= 1) {
            return named;
        }
        for (X509Certificate a : anchors) {
            if (a.getSubjectX500Principal().equals(cert.getIssuerX500Principal())) {
                try {
                    cert.verify(a.getPublicKey());
                    return a;
                } catch (GeneralSecurityException e) {
                    // another anchor of the same name
                }
            }
        }
        return null;
    }

    /** The CRL entry revoking {@code cert}, or null. */
    public X509CRLEntry revocation(X509Certificate cert) {
        for (X509CRL crl : crls) {
            if (crl.getIssuerX500Principal().equals(cert.getIssuerX500Principal())) {
                X509CRLEntry entry = crl.getRevokedCertificate(cert);
                if (entry != null) {
                    return entry;
                }
            }
        }
        return null;
    }

    private static CertificateException untrusted(String message, Throwable cause) {
        CertPathValidatorException reason = new CertPathValidatorException(message, cause, null, -1,
                java.security.cert.PKIXReason.NO_TRUST_ANCHOR);
        return new CertificateException(message, reason);
    }

    private static X509TrustManager pkix(List<X509Certificate> anchors) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            for (int i = 0; i < anchors.size(); i++) {
                ks.setCertificateEntry("anchor-" + i, anchors.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(ks);
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    return x;
                }
            }
            throw new TlsMaterialException("the JDK's PKIX trust manager factory gave no X.509 trust manager");
        } catch (IOException | GeneralSecurityException e) {
            throw new TlsMaterialException("cannot build a trust manager from the trust anchors: " + e.getMessage(), e);
        }
    }
}
