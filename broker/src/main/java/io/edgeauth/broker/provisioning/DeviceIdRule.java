package io.edgeauth.broker.provisioning;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

/** Where a device id is read from its certificate: the subject's CN, a DNS name or a URI in the SAN. */
public enum DeviceIdRule {
    SUBJECT_CN("subject-cn"),
    SAN_DNS("san-dns"),
    SAN_URI("san-uri");

    private final String configName;

    DeviceIdRule(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    /** The rule named in config ({@code subject-cn}, {@code san-dns}, {@code san-uri}). */
    public static DeviceIdRule parse(String name) {
        for (DeviceIdRule r : values()) {
            if (r.configName.equals(name)) {
                return r;
            }
        }
        throw new IllegalArgumentException("deviceIdFrom: expected subject-cn, san-dns or san-uri, got '" + name + "'");
    }

    /** The device id the certificate names under this rule, if it names exactly one. */
    public Optional<String> deviceId(X509Certificate cert) {
        return switch (this) {
            case SUBJECT_CN -> commonName(cert);
            case SAN_DNS -> subjectAltName(cert, 2);
            case SAN_URI -> subjectAltName(cert, 6);
        };
    }

    /**
     * The subject's one CN attribute, read from the name's DER (BouncyCastle's ASN.1): any string type the CA chose,
     * no escaping to undo. The JDK's RFC 2253 form, parsed back with {@code LdapName} as before, gave a BMPString CN
     * as {@code #1e...} hex and took the first of two CNs in one multi-valued RDN. None, or more than one, names no
     * device.
     */
    private static Optional<String> commonName(X509Certificate cert) {
        X500Name name;
        try {
            name = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
        } catch (IllegalArgumentException e) { // the JDK read it, so this should not happen; a device chose the bytes
            return Optional.empty();
        }
        String found = null;
        for (RDN rdn : name.getRDNs()) {
            for (AttributeTypeAndValue attribute : rdn.getTypesAndValues()) {
                if (BCStyle.CN.equals(attribute.getType())) {
                    if (found != null || !(attribute.getValue() instanceof ASN1String value)) {
                        return Optional.empty();
                    }
                    found = value.getString();
                }
            }
        }
        return Optional.ofNullable(found);
    }

    private static Optional<String> subjectAltName(X509Certificate cert, int type) {
        try {
            Collection<List<?>> names = cert.getSubjectAlternativeNames();
            if (names == null) {
                return Optional.empty();
            }
            List<String> found = names.stream().filter(n -> n.size() == 2 && Integer.valueOf(type).equals(n.get(0)))
                    .map(n -> String.valueOf(n.get(1))).toList();
            return found.size() == 1 ? Optional.of(found.get(0)) : Optional.empty();
        } catch (CertificateParsingException e) {
            return Optional.empty();
        }
    }
}
