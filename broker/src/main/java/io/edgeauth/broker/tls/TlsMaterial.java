package io.edgeauth.broker.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TLS listener's material read from files: the server key and chain, and optionally the device trust anchors and
 * CRL. {@link #reload()} reads the files again and swaps the new material in only when all of it is usable (a server
 * certificate outside its validity period is not: every device would refuse it); a bad file leaves the old material
 * serving. At start-up such a certificate is only warned about, since there is no old material. Thread-safe.
 */
public final class TlsMaterial {
    private static final Logger LOG = LoggerFactory.getLogger(TlsMaterial.class);

    /**
     * Where the material comes from.
     *
     * @param prefix     config prefix for messages ({@code mqtt})
     * @param trustStore null: no client certificates are checked (then {@code crl} must be null too)
     * @param crl        null: no revocation list
     */
    public record Sources(String prefix, Path keyStore, String keyStorePassword, Path trustStore,
                          String trustStorePassword, Path crl) {
        public Sources {
            Objects.requireNonNull(prefix, "prefix");
            Objects.requireNonNull(keyStore, "keyStore");
            if (crl != null && trustStore == null) {
                throw new TlsMaterialException(prefix + ".crl: a CRL needs " + prefix + ".trustStore (the CAs that sign it)");
            }
        }
    }

    /**
     * What is being served (for the reload answer and the audit).
     *
     * @param serverSha256  SHA-256 of the server certificate (hex)
     * @param serverSerial   its serial number (hex)
     * @param serverNotAfter the end of its validity period
     * @param crlNextUpdate  earliest next update of the CRLs, or null
     */
    public record Summary(String serverSubject, String serverSerial, String serverSha256, Instant serverNotAfter,
                          int trustAnchors, int revokedEntries, Instant crlNextUpdate) {
    }

    private record Loaded(X509ExtendedKeyManager keys, X509Certificate serverCertificate, DeviceTrust trust) {
    }

    private final Sources sources;
    private final ReloadableKeyManager keyManager;
    private final ReloadableTrustManager trustManager;
    private volatile X509Certificate serverCertificate;

    private TlsMaterial(Sources sources, Loaded loaded, boolean openSslCodes) {
        this.sources = sources;
        this.keyManager = new ReloadableKeyManager(loaded.keys());
        this.trustManager = loaded.trust() == null ? null : new ReloadableTrustManager(loaded.trust(), openSslCodes);
        this.serverCertificate = loaded.serverCertificate();
    }

    /**
     * Reads the files.
     *
     * @param openSslCodes true when the listener runs on netty-tcnative (see {@link ReloadableTrustManager})
     * @throws TlsMaterialException naming the config key, the file and the cause
     */
    public static TlsMaterial load(Sources sources, boolean openSslCodes) {
        Loaded loaded = read(sources);
        try {
            requireValidNow(sources.prefix() + ".keyStore", sources.keyStore(), loaded.serverCertificate());
        } catch (TlsMaterialException e) {
            LOG.warn("{}: devices will refuse this listener's handshakes until a valid certificate is installed",
                    e.getMessage());
        }
        return new TlsMaterial(sources, loaded, openSslCodes);
    }

    /**
     * Refuses a server certificate that is expired or not yet valid, naming the key, the file and the dates.
     *
     * @throws TlsMaterialException if {@code cert} is outside its validity period now
     */
    public static void requireValidNow(String key, Path file, X509Certificate cert) {
        Instant now = Instant.now();
        Instant notBefore = cert.getNotBefore().toInstant();
        Instant notAfter = cert.getNotAfter().toInstant();
        if (now.isAfter(notAfter) || now.isBefore(notBefore)) {
            throw new TlsMaterialException(key + ": the server certificate in " + file + " ("
                    + cert.getSubjectX500Principal().getName() + ") is " + (now.isAfter(notAfter) ? "expired" : "not yet valid")
                    + " (notBefore " + notBefore + ", notAfter " + notAfter + "): devices would refuse it");
        }
    }

    /** The server's key manager (swapped on reload). */
    public ReloadableKeyManager keyManager() {
        return keyManager;
    }

    /** The device trust manager, or null when no trust store is configured. */
    public ReloadableTrustManager trustManager() {
        return trustManager;
    }

    public Sources sources() {
        return sources;
    }

    /**
     * Reads every file again; swaps only if all of it is usable. Handshakes from then on use the new material,
     * connections already established keep theirs.
     *
     * @throws TlsMaterialException naming the file and the cause; the old material stays in use
     */
    public synchronized Summary reload() {
        Loaded next = read(sources);
        requireValidNow(sources.prefix() + ".keyStore", sources.keyStore(), next.serverCertificate());
        keyManager.swap(next.keys());
        if (trustManager != null) {
            trustManager.swap(next.trust());
        }
        serverCertificate = next.serverCertificate();
        return summary();
    }

    public Summary summary() {
        X509Certificate cert = serverCertificate;
        DeviceTrust trust = trustManager == null ? null : trustManager.current();
        return new Summary(cert.getSubjectX500Principal().getName(), cert.getSerialNumber().toString(16), sha256(cert),
                cert.getNotAfter().toInstant(),
                trust == null ? 0 : trust.anchors().size(), trust == null ? 0 : trust.revokedEntries(),
                trust == null ? null : trust.crlNextUpdate());
    }

    private static Loaded read(Sources s) {
        KeyStore ks;
        try {
            ks = KeyStores.load(s.keyStore(), s.keyStorePassword());
        } catch (IOException | GeneralSecurityException e) {
            throw new TlsMaterialException(s.prefix() + ".keyStore: cannot read " + s.keyStore() + " as "
                    + KeyStores.type(s.keyStore()) + " (wrong password or not a key store?): " + e.getMessage(), e);
        }
        X509Certificate leaf = serverCertificate(s, ks);
        X509ExtendedKeyManager keys = keyManager(s, ks);
        DeviceTrust trust = null;
        if (s.trustStore() != null) {
            List<X509Certificate> anchors = TrustAnchors.load(s.prefix() + ".trustStore", s.trustStore(), s.trustStorePassword());
            List<X509CRL> crls = s.crl() == null ? List.of() : RevocationLists.load(s.prefix() + ".crl", s.crl(), anchors);
            trust = new DeviceTrust(anchors, crls);
            Instant nextUpdate = trust.crlNextUpdate();
            if (nextUpdate != null && nextUpdate.isBefore(Instant.now())) {
                LOG.warn("{}.crl: {} is past its next update ({}); its entries stay revoked, publish a fresh one",
                        s.prefix(), s.crl(), nextUpdate);
            }
        }
        return new Loaded(keys, leaf, trust);
    }

    private static X509Certificate serverCertificate(Sources s, KeyStore ks) {
        try {
            for (String alias : Collections.list(ks.aliases())) {
                if (ks.isKeyEntry(alias) && ks.getCertificate(alias) instanceof X509Certificate c) {
                    return c;
                }
            }
        } catch (GeneralSecurityException e) {
            throw new TlsMaterialException(s.prefix() + ".keyStore: " + s.keyStore() + ": " + e.getMessage(), e);
        }
        throw new TlsMaterialException(s.prefix() + ".keyStore: " + s.keyStore()
                + " holds no private key with a certificate (the server's key and chain belong there)");
    }

    private static X509ExtendedKeyManager keyManager(Sources s, KeyStore ks) {
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, s.keyStorePassword() == null ? new char[0] : s.keyStorePassword().toCharArray());
            for (KeyManager km : kmf.getKeyManagers()) {
                if (km instanceof X509ExtendedKeyManager x) {
                    return x;
                }
            }
            throw new TlsMaterialException(s.prefix() + ".keyStore: no X.509 key manager for " + s.keyStore());
        } catch (GeneralSecurityException e) {
            throw new TlsMaterialException(s.prefix() + ".keyStore: the key in " + s.keyStore()
                    + " cannot be read with the key store password: " + e.getMessage(), e);
        }
    }

    /** SHA-256 of a certificate's DER encoding, hex. */
    public static String sha256(X509Certificate cert) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
