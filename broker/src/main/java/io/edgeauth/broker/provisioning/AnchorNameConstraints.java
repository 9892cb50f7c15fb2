package io.edgeauth.broker.provisioning;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import java.io.IOException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
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
 * A fleet CA's own name constraints (RFC 5280 §4.2.1.10), applied to every certificate below it. The JDK's PKIX
 * validator applies the name constraints of the certificates in a path but not those of its trust anchor (and refuses
 * a {@code TrustAnchor} given them: "name constraints in trust anchor not supported"), so a vendor CA limited to its
 * own namespace would anchor any name. The matching is BouncyCastle's {@link PKIXNameConstraintValidator}; this class
 * only feeds it the subject and the subject alternative names of each certificate. Stateless and thread-safe.
 */
final class AnchorNameConstraints {
    private AnchorNameConstraints() {
    }

    /** @throws TokenRejectedException FORBIDDEN when a certificate below {@code anchor} names what it does not permit */
    static void check(List<X509Certificate> chain, X509Certificate anchor) throws TokenRejectedException {
        byte[] extension = anchor.getExtensionValue(Extension.nameConstraints.getId());
        if (extension == null) {
            return;
        }
        NameConstraints constraints = NameConstraints.getInstance(ASN1OctetString.getInstance(extension).getOctets());
        PKIXNameConstraintValidator validator = new PKIXNameConstraintValidator();
        if (constraints.getPermittedSubtrees() != null) {
            validator.intersectPermittedSubtree(constraints.getPermittedSubtrees());
        }
        if (constraints.getExcludedSubtrees() != null) {
            for (GeneralSubtree excluded : constraints.getExcludedSubtrees()) {
                validator.addExcludedSubtree(excluded);
            }
        }
        for (X509Certificate cert : chain) {
            if (cert.equals(anchor)) {
                continue;
            }
            try {
                for (GeneralName name : namesOf(cert)) {
                    validator.checkPermitted(name);
                    validator.checkExcluded(name);
                }
            } catch (NameConstraintValidatorException e) {
                throw new TokenRejectedException(RejectionReason.FORBIDDEN, "certificate of "
                        + cert.getSubjectX500Principal().getName() + " names what the fleet CA's name constraints do "
                        + "not permit");
            } catch (CertificateEncodingException | IOException | IllegalArgumentException e) {
                throw new TokenRejectedException(RejectionReason.MALFORMED, "unreadable certificate names");
            }
        }
    }

    /** The subject (unless empty) and every subject alternative name. */
    private static List<GeneralName> namesOf(X509Certificate cert) throws CertificateEncodingException, IOException {
        JcaX509CertificateHolder holder = new JcaX509CertificateHolder(cert);
        List<GeneralName> names = new java.util.ArrayList<>();
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
