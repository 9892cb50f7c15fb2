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
