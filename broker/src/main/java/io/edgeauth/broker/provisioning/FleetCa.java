package io.edgeauth.broker.provisioning;

import java.math.BigInteger;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import javax.security.auth.x500.X500Principal;

/**
 * A CA a tenant trusts for zero-touch onboarding: its certificate, the CRLs checked against the
 * certificates it issued (none: no revocation check), how a device id is read from a certificate, and
 * the template of the records it creates. Immutable.
 */
public record FleetCa(String id, String tenant, X509Certificate certificate, List<X509CRL> crls, DeviceIdRule deviceIdRule,
                      String template) {
    public FleetCa {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(certificate, "certificate");
        crls = crls == null ? List.of() : List.copyOf(crls);
        Objects.requireNonNull(deviceIdRule, "deviceIdRule");
        Objects.requireNonNull(template, "template");
        requireCa(certificate);
        requireOwnCrl(certificate, crls);
    }

    /**
     * PKIX takes a trust anchor as it is, so this is the one check that a fleet CA is a CA: a device certificate
     * trusted here would let whoever holds that device's key mint any number of devices.
     */
    private static void requireCa(X509Certificate certificate) {
        if (certificate.getBasicConstraints() < 0) {
            throw new IllegalArgumentException("certificate: not a CA certificate (basicConstraints cA is not set)");
        }
        boolean[] usage = certificate.getKeyUsage();
        if (usage != null && (usage.length <= 5 || !usage[5])) {
            throw new IllegalArgumentException("certificate: not a CA certificate (keyUsage lacks keyCertSign)");
        }
    }

    /**
     * CRLs must include one of this CA, signed with its key: without one, PKIX finds no revocation status for the CA's
     * certificates and refuses every device as "undetermined". CRLs of other issuers may come along (intermediate CAs of
     * the devices' chains, which PKIX checks against the chain).
     */
    private static void requireOwnCrl(X509Certificate certificate, List<X509CRL> crls) {
        if (crls.isEmpty()) {
            return;
        }
        X500Principal subject = certificate.getSubjectX500Principal();
        boolean own = false;
        for (X509CRL crl : crls) {
            if (crl.getIssuerX500Principal().equals(subject)) {
                try {
                    crl.verify(certificate.getPublicKey());
                } catch (java.security.GeneralSecurityException e) {
                    throw new IllegalArgumentException("crl: a CRL names this CA as its issuer but its signature does not "
                            + "verify with the CA's key");
                }
                own = true;
            }
        }
        if (!own) {
            throw new IllegalArgumentException("crl: no CRL of this CA (" + subject.getName() + "); the CRLs given are "
                    + "issued by " + crls.stream().map(c -> c.getIssuerX500Principal().getName()).distinct().toList());
        }
    }

    /** Whether one of this CA's CRLs, issued by {@code issuer}, lists the certificate with {@code serial}. */
    public boolean lists(X500Principal issuer, BigInteger serial) {
        for (X509CRL crl : crls) {
            if (crl.getIssuerX500Principal().equals(issuer) && crl.getRevokedCertificate(serial) != null) {
                return true;
            }
        }
        return false;
    }
}
