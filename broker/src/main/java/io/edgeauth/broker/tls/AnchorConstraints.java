package io.edgeauth.broker.tls;

import java.io.IOException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraintValidatorException;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.asn1.x509.PKIXNameConstraintValidator;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;

/**
 * A trust anchor's own constraints, applied to the certificates below it: its {@code pathLenConstraint} and its name
 * constraints (RFC 5280 §4.2.1.9, §4.2.1.10). The JDK's PKIX validator takes an anchor's certificate for its name and
 * key only (and refuses a {@code TrustAnchor} given name constraints: "name constraints in trust anchor not
 * supported"), so a CA meant to sign devices only ({@code pathlen:0}) anchored a sub-CA it signed by mistake, and a
 * vendor CA limited to its namespace anchored any name. Used for fleet CAs and for the listeners' trust stores. The
 * name matching is BouncyCastle's {@link PKIXNameConstraintValidator}; this class only feeds it each certificate's
 * subject and subject alternative names. Stateless and thread-safe.
 */
public final class AnchorConstraints {
    private AnchorConstraints() {
    }

    /** Why a chain breaks its anchor's constraints. */
    public static final class Violation extends Exception {
        private final boolean unreadable;

        Violation(String message, boolean unreadable) {
            super(message, null, false, false);
            this.unreadable = unreadable;
        }

        /** The certificates' names could not be read (rather than read and refused). */
        public boolean unreadable() {
            return unreadable;
        }
    }

    /**
     * @param below the chain below the anchor, leaf first (the anchor itself, if the client sent it, left out)
     * @throws Violation when {@code below} has more intermediate CAs than the anchor allows, or names what it does not
     *     permit
     */
    public static void check(List<X509Certificate> below, X509Certificate anchor) throws Violation {
        int allowed = anchor.getBasicConstraints(); // Integer.MAX_VALUE: no limit
        int intermediates = Math.max(0, below.size() - 1);
        if (intermediates > allowed) {
            throw new Violation("the CA's path length constraint allows " + allowed + " intermediate CA(s) below it;"
                    + " the chain has " + intermediates, false);
        }
        NameConstraints constraints = nameConstraints(anchor);
        if (constraints != null) {
            names(below, constraints);
        }
    }

    /**
     * A device id read from the certificate's subject CN ({@code deviceIdFrom: subject-cn}), against the anchor's name
     * constraints. RFC 5280 applies dNSName and URI constraints to subject alternative names only, so they bounded no
     * CN-named id (tour X, X1). The CN is checked as a dNSName when the anchor has dNSName subtrees, as browsers do for
     * a certificate without SAN; an anchor that constrains other forms (URIs, mail, addresses) and no dNSName cannot
     * bound a CN, and is refused for it. Directory-name constraints alone bound the subject, as {@link #check} does.
     */
    public static void checkCommonNameId(String id, X509Certificate anchor) throws Violation {
        NameConstraints constraints = nameConstraints(anchor);
        if (constraints == null) {
            return;
        }
        List<GeneralSubtree> all = new ArrayList<>();
        for (GeneralSubtree[] some : new GeneralSubtree[][] {constraints.getPermittedSubtrees(),
                constraints.getExcludedSubtrees()}) {
            all.addAll(some == null ? List.of() : List.of(some));
        }
        boolean dns = all.stream().anyMatch(t -> t.getBase().getTagNo() == GeneralName.dNSName);
        if (!dns) {
            if (all.stream().anyMatch(t -> t.getBase().getTagNo() != GeneralName.directoryName)) {
                throw new Violation("the CA's name constraints bound names other than DNS names, never a subject CN, the"
                        + " device id under deviceIdFrom subject-cn: trust it with deviceIdFrom san-uri or san-dns", false);
            }
            return;
        }
        try {
            GeneralName name = new GeneralName(GeneralName.dNSName, id);
            PKIXNameConstraintValidator validator = validator(constraints);
            validator.checkPermitted(name);
            validator.checkExcluded(name);
        } catch (NameConstraintValidatorException | IllegalArgumentException e) {
            throw new Violation("the certificate's CN (the device id) is not a DNS name the CA's name constraints permit",
                    false);
        }
    }

    private static NameConstraints nameConstraints(X509Certificate anchor) {
        byte[] extension = hasExtension(anchor, Extension.nameConstraints.getId())
                ? anchor.getExtensionValue(Extension.nameConstraints.getId()) : null;
        return extension == null ? null
                : NameConstraints.getInstance(ASN1OctetString.getInstance(extension).getOctets());
    }

    /**
     * Asked first because JDK 17's {@code getExtensionValue} of an extension the certificate lacks throws and catches
     * two exceptions inside: about 1 % of the broker's CPU per new zero-touch device, for a fleet CA without name
     * constraints (most of them).
     */
    private static boolean hasExtension(X509Certificate cert, String oid) {
        java.util.Set<String> critical = cert.getCriticalExtensionOIDs();
        java.util.Set<String> other = cert.getNonCriticalExtensionOIDs();
        return critical != null && critical.contains(oid) || other != null && other.contains(oid);
    }

    private static PKIXNameConstraintValidator validator(NameConstraints constraints) {
        PKIXNameConstraintValidator validator = new PKIXNameConstraintValidator();
        if (constraints.getPermittedSubtrees() != null) {
            validator.intersectPermittedSubtree(constraints.getPermittedSubtrees());
        }
        if (constraints.getExcludedSubtrees() != null) {
            for (GeneralSubtree excluded : constraints.getExcludedSubtrees()) {
                validator.addExcludedSubtree(excluded);
            }
        }
        return validator;
    }

    private static void names(List<X509Certificate> below, NameConstraints constraints) throws Violation {
        PKIXNameConstraintValidator validator = validator(constraints);
        for (X509Certificate cert : below) {
            try {
                for (GeneralName name : namesOf(cert)) {
                    validator.checkPermitted(name);
                    validator.checkExcluded(name);
                }
            } catch (NameConstraintValidatorException e) {
                throw new Violation("certificate of " + cert.getSubjectX500Principal().getName()
                        + " names what the CA's name constraints do not permit", false);
            } catch (CertificateEncodingException | IOException | IllegalArgumentException e) {
                throw new Violation("unreadable certificate names", true);
            }
        }
    }

    /** The subject (unless empty) and every subject alternative name. */
    private static List<GeneralName> namesOf(X509Certificate cert) throws CertificateEncodingException, IOException {
        JcaX509CertificateHolder holder = new JcaX509CertificateHolder(cert);
        List<GeneralName> names = new ArrayList<>();
        X500Name subject = holder.getSubject();
        if (subject.getRDNs().length > 0) {
            names.add(new GeneralName(subject));
        }
        Extension san = holder.getExtension(Extension.subjectAlternativeName);
        if (san != null) {
            names.addAll(List.of(GeneralNames.getInstance(san.getParsedValue()).getNames()));
        }
        return names;
    }
}
