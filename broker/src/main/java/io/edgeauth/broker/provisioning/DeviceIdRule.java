package io.edgeauth.broker.provisioning;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

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

    private static Optional<String> commonName(X509Certificate cert) {
        try {
            List<String> cns = new LdapName(cert.getSubjectX500Principal().getName()).getRdns().stream()
                    .filter(r -> r.getType().equalsIgnoreCase("CN")).map(Rdn::getValue).map(String::valueOf).toList();
            return cns.size() == 1 ? Optional.of(cns.get(0)) : Optional.empty();
        } catch (InvalidNameException e) {
            return Optional.empty();
        }
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
