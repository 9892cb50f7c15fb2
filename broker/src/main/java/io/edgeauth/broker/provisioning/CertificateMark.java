package io.edgeauth.broker.provisioning;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWK;
import io.edgeauth.broker.registry.Device;
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
 * from a certificate of the same CA issued after this one ({@link DeviceEnrollment}). The key's RFC 7638 thumbprint
 * ties the mark to the record: once the record holds another key (the device deleted and registered again by an admin,
 * re-keyed by a PUT) the mark speaks for it no more. Marks written before 2026-12-05 hold the CA's id alone
 * ({@code serial}, {@code issuer} and {@code notBefore} null), those written before 2026-12-06 no {@code notBefore},
 * and those written until 2026-12-07 no key, until the device shows its chain again.
 */
record CertificateMark(String caId, BigInteger serial, X500Principal issuer, Instant notBefore, String keyThumbprint) {
    private static final String PREFIX = "ca:";

    /** The mark of {@code leaf}, whose key {@code key} is (as the record holds it). */
    static CertificateMark of(FleetCa ca, X509Certificate leaf, JWK key) {
        String thumbprint = thumbprint(key);
        return new CertificateMark(ca.id(), leaf.getSerialNumber(), leaf.getIssuerX500Principal(),
                leaf.getNotBefore().toInstant(), thumbprint.isEmpty() ? null : thumbprint);
    }

    /** Whether {@code leaf} was issued after this mark's certificate (false when the mark does not know its date). */
    boolean olderThan(X509Certificate leaf) {
        return notBefore != null && leaf.getNotBefore().toInstant().isAfter(notBefore);
    }

    /**
     * Whether this mark speaks for {@code record} (null: none): the record holds the key of the mark's certificate. A
     * mark that names no key (written before keys were kept) is taken as it always was.
     */
    boolean vouchesFor(Device record) {
        if (keyThumbprint == null) {
            return true;
        }
        return record != null && record.credential().type() == Device.CredentialType.JWK
                && keyThumbprint.equals(thumbprint(record.credential().value()));
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
                // "@<notBefore>\n" and "#<key thumbprint>\n" come before the issuer, which runs to the end: an RFC 2253
                // name never starts with '@' or '#', and whatever it holds cannot shift the fields before it
                Instant notBefore = null;
                String issuer = parts[2];
                if (issuer.startsWith("@") && issuer.indexOf('\n') > 0) {
                    notBefore = Instant.ofEpochSecond(Long.parseLong(issuer.substring(1, issuer.indexOf('\n'))));
                    issuer = issuer.substring(issuer.indexOf('\n') + 1);
                }
                String key = null;
                if (issuer.startsWith("#") && issuer.indexOf('\n') > 0) {
                    key = issuer.substring(1, issuer.indexOf('\n'));
                    issuer = issuer.substring(issuer.indexOf('\n') + 1);
                }
                return Optional.of(new CertificateMark(parts[0], new BigInteger(parts[1], 16), new X500Principal(issuer),
                        notBefore, key));
            } catch (IllegalArgumentException | java.time.DateTimeException e) {
                // unreadable certificate part: the CA id still decides withdrawal
            }
        }
        return Optional.of(new CertificateMark(parts[0], null, null, null, null));
    }

    byte[] encode() {
        String text = serial == null ? PREFIX + caId
                : PREFIX + caId + '\n' + serial.toString(16) + '\n'
                        + (notBefore == null ? "" : "@" + notBefore.getEpochSecond() + '\n')
                        + (keyThumbprint == null ? "" : "#" + keyThumbprint + '\n')
                        + issuer.getName(X500Principal.RFC2253);
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Whether {@code ca}, this mark's CA, lists the certificate in one of its CRLs (never, for a mark without it). */
    boolean listedBy(FleetCa ca) {
        return serial != null && ca.lists(issuer, serial);
    }

    /** The RFC 7638 thumbprint of a JWK's JSON; empty when it does not parse. */
    static String thumbprint(String jwkJson) {
        try {
            return thumbprint(JWK.parse(jwkJson));
        } catch (java.text.ParseException e) {
            return "";
        }
    }

    static String thumbprint(JWK jwk) {
        try {
            return jwk.computeThumbprint().toString();
        } catch (JOSEException e) {
            return "";
        }
    }
}
