package io.edgeauth.broker.provisioning;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;

/**
 * What the store keeps of a device a fleet CA provisioned: the CA's id, and the serial and issuer of the certificate
 * whose key the device's record holds. With them a CRL that lists that certificate later cuts the device also when
 * it no longer shows its chain. The certificate's {@code notBefore} orders renewals: the record takes a new key only
 * from a certificate of the same CA issued after this one ({@link DeviceEnrollment}). Marks written before 2026-12-05
 * hold the CA's id alone ({@code serial}, {@code issuer} and {@code notBefore} null), and those written before
 * 2026-12-06 no {@code notBefore}, until the device shows its chain again.
 */
record CertificateMark(String caId, BigInteger serial, X500Principal issuer, Instant notBefore) {
    private static final String PREFIX = "ca:";

    static CertificateMark of(FleetCa ca, X509Certificate leaf) {
        return new CertificateMark(ca.id(), leaf.getSerialNumber(), leaf.getIssuerX500Principal(),
                leaf.getNotBefore().toInstant());
    }

    /** Whether {@code leaf} was issued after this mark's certificate (false when the mark does not know its date). */
    boolean olderThan(X509Certificate leaf) {
        return notBefore != null && leaf.getNotBefore().toInstant().isAfter(notBefore);
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
                // "@<notBefore>\n" comes before the issuer, which runs to the end: an RFC 2253 name never starts
                // with '@', and whatever it holds cannot shift the fields before it
                Instant notBefore = null;
                String issuer = parts[2];
                if (issuer.startsWith("@") && issuer.indexOf('\n') > 0) {
                    notBefore = Instant.ofEpochSecond(Long.parseLong(issuer.substring(1, issuer.indexOf('\n'))));
                    issuer = issuer.substring(issuer.indexOf('\n') + 1);
                }
                return Optional.of(new CertificateMark(parts[0], new BigInteger(parts[1], 16), new X500Principal(issuer),
                        notBefore));
            } catch (IllegalArgumentException | java.time.DateTimeException e) {
                // unreadable certificate part: the CA id still decides withdrawal
            }
        }
        return Optional.of(new CertificateMark(parts[0], null, null, null));
    }

    byte[] encode() {
        String text = serial == null ? PREFIX + caId
                : PREFIX + caId + '\n' + serial.toString(16) + '\n'
                        + (notBefore == null ? "" : "@" + notBefore.getEpochSecond() + '\n')
                        + issuer.getName(X500Principal.RFC2253);
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Whether {@code ca}, this mark's CA, lists the certificate in one of its CRLs (never, for a mark without it). */
    boolean listedBy(FleetCa ca) {
        return serial != null && ca.lists(issuer, serial);
    }
}
