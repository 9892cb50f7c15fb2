package io.edgeauth.broker.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Reads the CA certificates device certificates must chain to: a PEM (or DER) file of certificates
 * ({@code .pem}, {@code .crt}, {@code .cer}), a JKS ({@code .jks}) or a PKCS#12 store (anything else). A file
 * that yields no certificate is refused: a listener with zero trust anchors would refuse every device while
 * looking healthy.
 */
public final class TrustAnchors {
    private TrustAnchors() {
    }

    /**
     * @param what     the config key, for messages ({@code mqtt.trustStore})
     * @param file     the trust file
     * @param password store password (ignored for PEM/DER)
     * @return the trusted certificates, at least one
     * @throws TlsMaterialException naming the key, the file and the likely cause
     */
    public static List<X509Certificate> load(String what, Path file, String password) {
        if (!Files.isReadable(file)) {
            throw new TlsMaterialException(what + ": " + file + " does not exist or is not readable");
        }
        List<X509Certificate> anchors = isCertificateFile(file) ? certificates(what, file) : store(what, file, password);
        if (anchors.isEmpty()) {
            throw new TlsMaterialException(what + ": " + file + " holds no trusted certificate (Java reads 0 trust"
                    + " anchors from it), so every device certificate would be refused. A PKCS#12 file written by"
                    + " OpenSSL 3 `openssl pkcs12 -export -nokeys` reads as empty in Java (its certificates lack Java's"
                    + " trusted-certificate attribute): give a PEM file of the CA certificates instead, or build the"
                    + " store with `keytool -importcert`");
        }
        return List.copyOf(anchors);
    }

    static boolean isCertificateFile(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".pem") || name.endsWith(".crt") || name.endsWith(".cer") || name.endsWith(".der");
    }

    private static List<X509Certificate> certificates(String what, Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> out = new ArrayList<>();
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                out.add((X509Certificate) c);
            }
            return out;
        } catch (IOException | GeneralSecurityException e) {
            throw new TlsMaterialException(what + ": " + file + " is not a PEM or DER file of X.509 certificates: "
                    + e.getMessage(), e);
        }
    }

    /** Trusted-certificate entries, and the certificate of each key entry (what the JDK's PKIX trust manager trusts). */
    private static List<X509Certificate> store(String what, Path file, String password) {
        try {
            KeyStore ks = KeyStores.load(file, password);
            List<X509Certificate> out = new ArrayList<>();
            for (String alias : Collections.list(ks.aliases())) {
                if (ks.getCertificate(alias) instanceof X509Certificate c) {
                    out.add(c);
                }
            }
            return out;
        } catch (IOException | GeneralSecurityException e) {
            throw new TlsMaterialException(what + ": cannot read " + file + " as " + KeyStores.type(file)
                    + " (wrong password or not a key store?): " + e.getMessage(), e);
        }
    }
}
