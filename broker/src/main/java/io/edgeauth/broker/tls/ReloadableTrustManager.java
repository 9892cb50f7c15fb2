package io.edgeauth.broker.tls;

import io.netty.handler.ssl.OpenSslCertificateException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.PKIXReason;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * Checks device (client) certificates against the current {@link DeviceTrust}, which {@link #swap} replaces at run
 * time: handshakes after the swap use the new anchors and CRLs, connections already up are not touched.
 *
 * <p>Under the OpenSSL engine a refusal carries the OpenSSL verify code, so the client gets {@code unknown_ca} (48)
 * for an untrusted certificate, {@code certificate_revoked} (44) for a revoked one and {@code certificate_expired}
 * (45) for one from a trusted CA that expired or is not yet valid; a plain
 * {@link CertificateException} would become {@code internal_error} (80) there. The JDK engine reads the same
 * reasons from the {@link CertPathValidatorException} cause.
 *
 * <p>{@link #getAcceptedIssuers()} is empty: the CertificateRequest names no CAs, so a client also offers a
 * certificate from a CA that a reload added after the TLS context was built (OpenSSL fixes that list then).
 */
public final class ReloadableTrustManager extends ClientTrustManager {
    // OpenSSL's X509_V_ERR_* verify codes (x509_vfy.h, the same in BoringSSL); netty-tcnative, which names them,
    // is on the run-time class path only
    static final int X509_V_ERR_CERT_NOT_YET_VALID = 9;
    static final int X509_V_ERR_CERT_HAS_EXPIRED = 10;
    static final int X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY = 20;
    static final int X509_V_ERR_CERT_REVOKED = 23;
    static final int X509_V_ERR_CERT_UNTRUSTED = 27;
    private final boolean openSslCodes;
    private volatile DeviceTrust trust;

    /** @param openSslCodes true when the listener runs on netty-tcnative (OpenSSL/BoringSSL) */
    public ReloadableTrustManager(DeviceTrust trust, boolean openSslCodes) {
        this.trust = Objects.requireNonNull(trust, "trust");
        this.openSslCodes = openSslCodes;
    }

    public DeviceTrust current() {
        return trust;
    }

    /** New handshakes use {@code next} from now on. */
    public void swap(DeviceTrust next) {
        this.trust = Objects.requireNonNull(next, "next");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        try {
            trust.check(chain, authType);
        } catch (CertificateException e) {
            throw openSslCodes ? withOpenSslCode(e) : e;
        }
    }

    private static CertificateException withOpenSslCode(CertificateException e) {
        int code = X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
        if (e.getCause() instanceof CertPathValidatorException cpve) {
            if (cpve.getReason() == CertPathValidatorException.BasicReason.REVOKED) {
                code = X509_V_ERR_CERT_REVOKED;
            } else if (cpve.getReason() == CertPathValidatorException.BasicReason.EXPIRED) {
                code = X509_V_ERR_CERT_HAS_EXPIRED;
            } else if (cpve.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
                code = X509_V_ERR_CERT_NOT_YET_VALID;
            } else if (cpve.getReason() != PKIXReason.NO_TRUST_ANCHOR) {
                code = X509_V_ERR_CERT_UNTRUSTED;
            }
        }
        return new OpenSslCertificateException(e.getMessage(), e.getCause(), code);
    }
}
