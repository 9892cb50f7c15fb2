package io.edgeauth.broker.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CRL;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads certificate revocation lists (one or more, PEM or DER) for device certificates. Each must be signed by a
 * certificate of the trust store, so a forged file cannot be slipped in; a CRL past its next update is still
 * enforced (its entries stay revoked), and the caller warns about it.
 */
public final class RevocationLists {
    private RevocationLists() {
    }

    /**
     * @param what    the config key, for messages ({@code mqtt.crl})
     * @param anchors the trust store's certificates, one of which must have signed each CRL
     */
    public static List<X509CRL> load(String what, Path file, List<X509Certificate> anchors) {
        if (!Files.isReadable(file)) {
            throw new TlsMaterialException(what + ": " + file + " does not exist or is not readable");
        }
        List<X509CRL> crls = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            for (CRL crl : CertificateFactory.getInstance("X.509").generateCRLs(in)) {
                crls.add((X509CRL) crl);
            }
        } catch (IOException | GeneralSecurityException | ClassCastException e) {
            throw new TlsMaterialException(what + ": " + file + " is not a PEM or DER X.509 CRL: " + e.getMessage(), e);
        }
        if (crls.isEmpty()) {
            throw new TlsMaterialException(what + ": " + file + " holds no CRL (expected PEM '-----BEGIN X509 CRL-----' or DER)");
        }
        for (X509CRL crl : crls) {
            if (anchors.stream().noneMatch(ca -> signedBy(crl, ca))) {
                throw new TlsMaterialException(what + ": the CRL of " + crl.getIssuerX500Principal().getName()
                        + " in " + file + " is not signed by any certificate of the trust store");
            }
        }
        return List.copyOf(crls);
    }

    private static boolean signedBy(X509CRL crl, X509Certificate ca) {
        if (!ca.getSubjectX500Principal().equals(crl.getIssuerX500Principal())) {
            return false;
        }
        try {
            crl.verify(ca.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
