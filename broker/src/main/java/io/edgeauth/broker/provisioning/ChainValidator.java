package io.edgeauth.broker.provisioning;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertStore;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXReason;
import java.security.cert.PKIXRevocationChecker;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Validates a device certificate chain against one fleet CA with the JDK's PKIX validator (path,
 * signatures, validity at the given time, CA basic constraints and key usage, the CA's CRLs when it
 * has any: never fetched from a URL the certificate names), then the leaf's own fitness as a client
 * credential: not a CA, key usage (if present) allows digitalSignature, extended key usage (if present)
 * allows clientAuth. Each failure is one typed reason with a clear message. Thread-safe.
 */
final class ChainValidator {
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String ANY_EKU = "2.5.29.37.0";

    // JCA engines are not documented as thread-safe, and looking them up costs a provider search per
    // request: each HTTP worker keeps its own
    private static final ThreadLocal<CertPathValidator> VALIDATORS = ThreadLocal.withInitial(() -> {
        try {
            return CertPathValidator.getInstance("PKIX");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no PKIX validator", e);
        }
    });

    private ChainValidator() {
    }

    static void validate(List<X509Certificate> chain, FleetCa ca, Instant now) throws TokenRejectedException {
        try {
            PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(ca.certificate(), null)));
            params.setDate(Date.from(now));
            if (ChainSignatureProvider.name() != null) {
                params.setSigProvider(ChainSignatureProvider.name());
            }
            if (ca.crls().isEmpty()) {
                params.setRevocationEnabled(false);
            } else {
                params.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(ca.crls())));
                PKIXRevocationChecker revocation = (PKIXRevocationChecker) VALIDATORS.get().getRevocationChecker();
                revocation.setOptions(EnumSet.of(PKIXRevocationChecker.Option.PREFER_CRLS,
                        PKIXRevocationChecker.Option.NO_FALLBACK));
                params.setRevocationEnabled(false); // the checker below replaces the default one
                params.addCertPathChecker(revocation);
            }
            VALIDATORS.get().validate(FleetCas.certificateFactory().generateCertPath(chain), params);
        } catch (CertPathValidatorException e) {
            throw refusal(e, ca.id());
        } catch (GeneralSecurityException e) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "certificate chain cannot be validated: "
                    + e.getClass().getSimpleName());
        }
        try {
            io.edgeauth.broker.tls.AnchorConstraints.check(
                    chain.stream().filter(c -> !c.equals(ca.certificate())).toList(), ca.certificate());
            if (ca.deviceIdRule() == DeviceIdRule.SUBJECT_CN) { // the id is no SAN entry: bound it too (tour X, X1)
                java.util.Optional<String> id = ca.deviceIdRule().deviceId(chain.get(0));
                if (id.isPresent()) {
                    io.edgeauth.broker.tls.AnchorConstraints.checkCommonNameId(id.get(), ca.certificate());
                }
            }
        } catch (io.edgeauth.broker.tls.AnchorConstraints.Violation e) {
            throw new TokenRejectedException(e.unreadable() ? RejectionReason.MALFORMED : RejectionReason.FORBIDDEN,
                    e.getMessage().replace("the CA's", "the fleet CA's"));
        }
        leafFitness(chain.get(0));
    }

    private static TokenRejectedException refusal(CertPathValidatorException e, String caId) {
        CertPathValidatorException.Reason reason = e.getReason();
        if (reason == CertPathValidatorException.BasicReason.EXPIRED) {
            return new TokenRejectedException(RejectionReason.EXPIRED, "certificate expired");
        }
        if (reason == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
            return new TokenRejectedException(RejectionReason.NOT_YET_VALID, "certificate not yet valid");
        }
        if (reason == CertPathValidatorException.BasicReason.REVOKED) {
            return new TokenRejectedException(RejectionReason.REVOKED, "certificate listed in the CRL of fleet CA '"
                    + caId + "'");
        }
        if (reason == CertPathValidatorException.BasicReason.UNDETERMINED_REVOCATION_STATUS) {
            return new TokenRejectedException(RejectionReason.REVOKED,
                    "certificate revocation status undetermined (the fleet CA's CRL is missing or stale)");
        }
        if (reason == CertPathValidatorException.BasicReason.INVALID_SIGNATURE) {
            return new TokenRejectedException(RejectionReason.BAD_SIGNATURE, "certificate signature does not verify");
        }
        if (reason == PKIXReason.NO_TRUST_ANCHOR) {
            return new TokenRejectedException(RejectionReason.UNKNOWN_ISSUER, "certificate not issued by the fleet CA");
        }
        if (reason == PKIXReason.INVALID_KEY_USAGE || reason == PKIXReason.NOT_CA_CERT) {
            return new TokenRejectedException(RejectionReason.FORBIDDEN, "an intermediate certificate may not issue certificates");
        }
        return new TokenRejectedException(RejectionReason.UNKNOWN_ISSUER, "certificate chain does not validate: " + reason);
    }

    private static void leafFitness(X509Certificate leaf) throws TokenRejectedException {
        if (leaf.getBasicConstraints() >= 0) {
            throw new TokenRejectedException(RejectionReason.FORBIDDEN, "a CA certificate is not a device certificate");
        }
        boolean[] keyUsage = leaf.getKeyUsage();
        if (keyUsage != null && (keyUsage.length == 0 || !keyUsage[0])) {
            throw new TokenRejectedException(RejectionReason.FORBIDDEN,
                    "certificate key usage does not allow digitalSignature");
        }
        try {
            List<String> eku = leaf.getExtendedKeyUsage();
            if (eku != null && !eku.contains(CLIENT_AUTH) && !eku.contains(ANY_EKU)) {
                throw new TokenRejectedException(RejectionReason.FORBIDDEN,
                        "certificate extended key usage does not allow clientAuth");
            }
        } catch (java.security.cert.CertificateParsingException e) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "unreadable extended key usage");
        }
    }
}
