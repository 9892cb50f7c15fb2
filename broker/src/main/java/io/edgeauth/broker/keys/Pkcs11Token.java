package io.edgeauth.broker.keys;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.crypto.impl.ECDSA;
import io.edgeauth.broker.crypto.SignerUnavailableException;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.ProviderException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.Security;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tenant's signing keys in a PKCS#11 token through the JDK's SunPKCS11 provider, configured for this token only
 * (never installed in {@link Security}, like ACCP: see CryptoProviders). Keys are generated inside the token as
 * sensitive, non-extractable token objects; the broker holds only handles and the public keys. Each key is stored
 * under its kid with a self-signed certificate (the PKCS#11 key store lists a private key only beside one).
 * Thread-safe (the provider's key store is used under this object's lock).
 *
 * <p>A token can go away and come back while the broker runs (an HSM reboot, a network HSM's fail-over): its
 * sessions and key handles are then stale, and every signature fails with a PKCS#11 error
 * (CKR_OBJECT_HANDLE_INVALID, CKR_SESSION_HANDLE_INVALID, CKR_DEVICE_REMOVED...). {@link #sign} then marks the token
 * unavailable ({@link #unavailableReason()}, a readiness check), logs in again with the PIN read again, finds the
 * key again by its kid (the alias) and retries once; while that fails it throws {@link SignerUnavailableException}
 * and tries again after a back-off (1 s doubling to 60 s), so a dead token costs one attempt per back-off, not one
 * per request.
 */
public final class Pkcs11Token {
    /**
     * Where the token is and how to log in.
     *
     * @param library       the PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so
     * @param slot          the slot id (null: use slotListIndex)
     * @param slotListIndex the index in the module's slot list (used when slot is null)
     * @param pin           the user PIN (never logged; cleared by {@link #open})
     */
    public record Settings(Path library, Long slot, Integer slotListIndex, char[] pin) {
        @Override
        public String toString() {
            return "Pkcs11Token.Settings[library=" + library + ", slot=" + slot + ", slotListIndex=" + slotListIndex + "]";
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(Pkcs11Token.class);
    private static final long FIRST_BACKOFF_MILLIS = 1_000;
    private static final long MAX_BACKOFF_MILLIS = 60_000;

    private final Provider provider;
    private KeyStore keyStore; // replaced by a log-in again after a failure
    private final String name;
    private final Callable<char[]> pinAgain; // null: no log-in again (the token stays unavailable)
    private final Map<String, PrivateKey> handles = new HashMap<>(); // found again after a log-in, by kid
    private volatile String unavailable; // why the token cannot sign now, or null
    private long nextAttemptMillis;
    private long backoffMillis = FIRST_BACKOFF_MILLIS;

    private Pkcs11Token(Provider provider, KeyStore keyStore, String name, Callable<char[]> pinAgain) {
        this.provider = provider;
        this.keyStore = keyStore;
        this.name = name;
        this.pinAgain = pinAgain;
    }

    /** Configures SunPKCS11 for the token and logs in; a token that goes away is not logged in to again. */
    public static Pkcs11Token open(String name, Settings s) throws IOException {
        return open(name, s, null);
    }

    /**
     * Configures SunPKCS11 for the token and logs in. {@code pinAgain} reads the PIN again (from its variable or
     * file) when the token has to be logged in to again; the PIN is not kept in memory in between.
     */
    public static Pkcs11Token open(String name, Settings s, Callable<char[]> pinAgain) throws IOException {
        if (!Files.isReadable(s.library())) {
            throw new IOException("PKCS#11 library " + s.library() + " is not readable");
        }
        Provider base = Security.getProvider("SunPKCS11");
        if (base == null) {
            throw new IOException("this JDK has no SunPKCS11 provider (module jdk.crypto.cryptoki)");
        }
        String config = "--name=edgeauth-" + name + "\n"
                + "library=" + s.library().toAbsolutePath() + "\n"
                + (s.slot() != null ? "slot=" + s.slot() : "slotListIndex=" + (s.slotListIndex() == null ? 0 : s.slotListIndex())) + "\n"
                // generated keys live in the token, sensitive and non-extractable: the private key never leaves it
                + "attributes(generate, CKO_PRIVATE_KEY, *) = {\n  CKA_TOKEN = true\n  CKA_PRIVATE = true\n"
                + "  CKA_SENSITIVE = true\n  CKA_EXTRACTABLE = false\n}\n"
                + "attributes(generate, CKO_PUBLIC_KEY, *) = {\n  CKA_TOKEN = true\n}\n";
        try {
            Provider provider = base.configure(config);
            KeyStore ks = KeyStore.getInstance("PKCS11", provider);
            ks.load(null, s.pin());
            return new Pkcs11Token(provider, ks, name, pinAgain);
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            // the key store reports a wrong PIN as an IOException whose cause says so (CKR_PIN_INCORRECT)
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            throw new IOException("PKCS#11 token " + s + ": " + e.getMessage() + " (" + root.getMessage() + ")", e);
        } finally {
            Arrays.fill(s.pin(), '\0');
        }
    }

    /** The provider that signs with this token's keys. */
    public Provider provider() {
        return provider;
    }

    /** Generates a key pair in the token for {@code alg} (ES256 or RS256) and returns its public JWK (kid set). */
    public synchronized JWK generate(TokenAlgorithm alg) throws IOException {
        try {
            KeyPair pair;
            JWK jwk;
            if (alg == TokenAlgorithm.ES256) {
                KeyPairGenerator g = KeyPairGenerator.getInstance("EC", provider);
                g.initialize(new ECGenParameterSpec("secp256r1"));
                pair = g.generateKeyPair();
                jwk = new ECKey.Builder(Curve.P_256, (ECPublicKey) pair.getPublic()).keyUse(KeyUse.SIGNATURE)
                        .algorithm(JWSAlgorithm.ES256).build();
            } else if (alg == TokenAlgorithm.RS256) {
                KeyPairGenerator g = KeyPairGenerator.getInstance("RSA", provider);
                g.initialize(2048);
                pair = g.generateKeyPair();
                jwk = new RSAKey.Builder((RSAPublicKey) pair.getPublic()).keyUse(KeyUse.SIGNATURE)
                        .algorithm(JWSAlgorithm.RS256).build();
            } else {
                throw new IOException("a PKCS#11 tenant key must be ES256 or RS256, not " + alg);
            }
            String kid = JwkKeys.thumbprint(jwk);
            jwk = alg == TokenAlgorithm.ES256 ? new ECKey.Builder(jwk.toECKey()).keyID(kid).build()
                    : new RSAKey.Builder(jwk.toRSAKey()).keyID(kid).build();
            keyStore.setKeyEntry(kid, pair.getPrivate(), null, new Certificate[] {selfSigned(pair, alg, kid)});
            return jwk;
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot generate a " + alg + " key in PKCS#11 token " + name + ": " + e.getMessage(), e);
        }
    }

    /** The handle of the private key {@code kid}; its public key must be {@code expected} (no alias mix-ups). */
    public synchronized PrivateKey privateKey(String kid, PublicKey expected) throws IOException {
        try {
            Key key = keyStore.getKey(kid, null);
            Certificate cert = keyStore.getCertificate(kid);
            if (!(key instanceof PrivateKey pk) || cert == null) {
                throw new IOException("PKCS#11 token " + name + " holds no private key " + kid);
            }
            if (!Arrays.equals(cert.getPublicKey().getEncoded(), expected.getEncoded())) {
                throw new IOException("PKCS#11 token " + name + ": key " + kid + " is not the key of that kid");
            }
            return pk;
        } catch (GeneralSecurityException e) {
            throw new IOException("PKCS#11 token " + name + ": cannot read key " + kid + ": " + e.getMessage(), e);
        }
    }

    /**
     * Signs {@code data} with key {@code kid} (whose handle {@code handle} was found at start or rotation) in the
     * token: raw ECDSA (r || s) for ES256, PKCS#1 v1.5 for RS256. A PKCS#11 failure logs in again and retries once
     * (see the class comment); {@link SignerUnavailableException} while the token cannot sign.
     */
    public byte[] sign(String kid, PrivateKey handle, PublicKey publicKey, TokenAlgorithm alg, byte[] data)
            throws GeneralSecurityException {
        PrivateKey key;
        synchronized (this) {
            key = handles.getOrDefault(kid, handle);
        }
        try {
            byte[] sig = signWith(key, alg, data);
            recovered();
            return sig;
        } catch (ProviderException | java.security.InvalidKeyException | SignatureException e) {
            String reason = rootMessage(e);
            if (!reopened(kid, key, publicKey, reason)) {
                throw new SignerUnavailableException("PKCS#11 token " + name + " cannot sign now (" + unavailable + ")", e);
            }
            synchronized (this) {
                key = handles.get(kid);
            }
            try {
                byte[] sig = signWith(key, alg, data);
                recovered();
                return sig;
            } catch (ProviderException | java.security.InvalidKeyException | SignatureException again) {
                synchronized (this) {
                    failed(rootMessage(again));
                }
                throw new SignerUnavailableException("PKCS#11 token " + name + " cannot sign now (" + unavailable + ")",
                        again);
            }
        }
    }

    /** Why the token cannot sign now (it failed and is being logged in to again), or empty while it signs. */
    public Optional<String> unavailableReason() {
        String u = unavailable;
        return u == null ? Optional.empty() : Optional.of("PKCS#11 token " + name + ": " + u);
    }

    /** Why any of {@code tokens} cannot sign now, joined, or empty while all sign (or there are none). */
    public static Optional<String> unavailableReason(java.util.Collection<Pkcs11Token> tokens) {
        String reasons = tokens.stream().map(Pkcs11Token::unavailableReason).flatMap(Optional::stream)
                .collect(java.util.stream.Collectors.joining("; "));
        return reasons.isEmpty() ? Optional.empty() : Optional.of(reasons);
    }

    private byte[] signWith(PrivateKey key, TokenAlgorithm alg, byte[] data) throws GeneralSecurityException {
        boolean ec = alg == TokenAlgorithm.ES256;
        Signature s = Signature.getInstance(ec ? "SHA256withECDSA" : "SHA256withRSA", provider);
        s.initSign(key);
        s.update(data);
        byte[] sig = s.sign();
        try {
            return ec ? ECDSA.transcodeSignatureToConcat(sig, alg.signatureLength()) : sig;
        } catch (JOSEException e) {
            throw new SignatureException("token returned a malformed ECDSA signature", e);
        }
    }

    private void recovered() {
        if (unavailable != null) {
            synchronized (this) {
                if (unavailable != null) {
                    LOG.warn("PKCS#11 token {} signs again", name);
                    unavailable = null;
                    backoffMillis = FIRST_BACKOFF_MILLIS;
                    nextAttemptMillis = 0;
                }
            }
        }
    }

    /**
     * After a failed signature: logs in again (the PIN read again) and finds {@code kid} again, unless the last
     * attempt was less than the back-off ago. True when the key was found again (the caller retries once).
     */
    private synchronized boolean reopened(String kid, PrivateKey failed, PublicKey publicKey, String reason) {
        PrivateKey current = handles.get(kid);
        if (current != null && current != failed) {
            return true; // another thread logged in again meanwhile: a second log-out would void its handles
        }
        long now = System.currentTimeMillis();
        if (unavailable == null) {
            LOG.warn("PKCS#11 token {} failed to sign with key {} ({}): logging in again", name, kid, reason);
            unavailable = reason;
        } else if (now < nextAttemptMillis) {
            return false;
        }
        if (pinAgain == null) {
            failed(reason + "; no PIN to log in again");
            return false;
        }
        char[] pin = null;
        try {
            pin = pinAgain.call();
            try {
                ((java.security.AuthProvider) provider).logout(); // drops the stale session's log-in state
            } catch (javax.security.auth.login.LoginException | RuntimeException e) {
                LOG.debug("PKCS#11 token {}: logout before a log-in again failed: {}", name, e.toString());
            }
            KeyStore ks = KeyStore.getInstance("PKCS11", provider);
            ks.load(null, pin);
            keyStore = ks;
            handles.clear();
            handles.put(kid, privateKey(kid, publicKey));
            LOG.info("PKCS#11 token {}: logged in again, key {} found again", name, kid);
            return true;
        } catch (Exception e) {
            failed(reason + "; log-in again failed: " + rootMessage(e));
            return false;
        } finally {
            if (pin != null) {
                Arrays.fill(pin, '\0');
            }
        }
    }

    /** Records why the token cannot sign and when to try again (under this object's lock). */
    private void failed(String reason) {
        unavailable = reason;
        nextAttemptMillis = System.currentTimeMillis() + backoffMillis;
        // one line per attempt, so at most one a minute once the back-off is at its cap
        LOG.warn("PKCS#11 token {} cannot sign: {}; next attempt in {} s", name, reason, backoffMillis / 1000);
        backoffMillis = Math.min(MAX_BACKOFF_MILLIS, backoffMillis * 2);
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + ": " + root.getMessage();
    }

    /** Destroys key {@code kid} in the token (a retired key whose tokens have all expired). */
    public synchronized void delete(String kid) throws IOException {
        try {
            if (keyStore.containsAlias(kid)) {
                keyStore.deleteEntry(kid);
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("PKCS#11 token " + name + ": cannot delete key " + kid + ": " + e.getMessage(), e);
        }
    }

    private X509Certificate selfSigned(KeyPair pair, TokenAlgorithm alg, String kid)
            throws OperatorCreationException, GeneralSecurityException {
        X500Name subject = new X500Name("CN=edgeauth " + name + " " + kid);
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minus(1, ChronoUnit.MINUTES)), Date.from(now.plus(36500, ChronoUnit.DAYS)), subject,
                pair.getPublic());
        String sigAlg = alg == TokenAlgorithm.ES256 ? "SHA256withECDSA" : "SHA256withRSA";
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder(sigAlg).setProvider(provider).build(pair.getPrivate())));
    }

    @Override
    public String toString() {
        return "Pkcs11Token[" + name + "]";
    }
}
