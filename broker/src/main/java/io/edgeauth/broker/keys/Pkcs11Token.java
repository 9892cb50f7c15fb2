package io.edgeauth.broker.keys;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
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
import java.security.PublicKey;
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
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A tenant's signing keys in a PKCS#11 token through the JDK's SunPKCS11 provider, configured for this token only
 * (never installed in {@link Security}, like ACCP: see CryptoProviders). Keys are generated inside the token as
 * sensitive, non-extractable token objects; the broker holds only handles and the public keys. Each key is stored
 * under its kid with a self-signed certificate (the PKCS#11 key store lists a private key only beside one).
 * Thread-safe (the provider's key store is used under this object's lock).
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

    private final Provider provider;
    private final KeyStore keyStore;
    private final String name;

    private Pkcs11Token(Provider provider, KeyStore keyStore, String name) {
        this.provider = provider;
        this.keyStore = keyStore;
        this.name = name;
    }

    /** Configures SunPKCS11 for the token and logs in. */
    public static Pkcs11Token open(String name, Settings s) throws IOException {
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
            return new Pkcs11Token(provider, ks, name);
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
