package io.edgeauth.broker.provisioning;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;

/**
 * What the store keeps of a device a fleet CA provisioned: the CA's id, and the serial and issuer of the certificate
 * whose key the device's record holds. With them a CRL that lists that certificate later cuts the device also when
 * it no longer shows its chain. Marks written before 2026-12-05 hold the CA's id alone ({@code serial} and
 * {@code issuer} null) until the device shows its chain again.
 */
record CertificateMark(String caId, BigInteger serial, X500Principal issuer) {
    private static final String PREFIX = "ca:";

    static CertificateMark of(FleetCa ca, X509Certificate leaf) {
        return new CertificateMark(ca.id(), leaf.getSerialNumber(), leaf.getIssuerX500Principal());
    }

    /** Empty for bytes that are not a fleet CA's mark. */
    static Optional<CertificateMark> parse(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (!text.startsWith(PREFIX)) {
            return Optional.empty();
        }
        String[] parts = text.substring(PREFIX.length()).split("\n", 3);
        if (parts.length == 3) {
            try {
                return Optional.of(new CertificateMark(parts[0], new BigInteger(parts[1], 16), new X500Principal(parts[2])));
            } catch (IllegalArgumentException e) {
                // unreadable certificate part: the CA id still decides withdrawal
            }
        }
        return Optional.of(new CertificateMark(parts[0], null, null));
    }

    byte[] encode() {
        String text = serial == null ? PREFIX + caId
                : PREFIX + caId + '\n' + serial.toString(16) + '\n' + issuer.getName(X500Principal.RFC2253);
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Whether {@code ca}, this mark's CA, lists the certificate in one of its CRLs (never, for a mark without it). */
    boolean listedBy(FleetCa ca) {
        return serial != null && ca.lists(issuer, serial);
    }
}
