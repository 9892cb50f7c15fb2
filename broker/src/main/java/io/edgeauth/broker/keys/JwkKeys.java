package io.edgeauth.broker.keys;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * Conversions between Nimbus {@link JWK}s and JCA keys, key generation, and the algorithms a key may be
 * used with. Ed25519 is converted here with the JDK (Nimbus's own Ed25519 support needs Google Tink,
 * which the broker does not ship). Stateless and thread-safe.
 */
public final class JwkKeys {
    // DER prefixes of an Ed25519 SubjectPublicKeyInfo and PKCS#8 PrivateKeyInfo (RFC 8410); the raw
    // 32-byte key follows.
    private static final byte[] ED25519_X509_PREFIX = hex("302a300506032b6570032100");
    private static final byte[] ED25519_PKCS8_PREFIX = hex("302e020100300506032b657004220420");

    private JwkKeys() {
    }

    /**
     * Generates a signing key for {@code alg} (ES256: P-256, EdDSA: Ed25519, RS256: RSA 2048) as a
     * private JWK with {@code kid} = its RFC 7638 thumbprint, {@code alg} and {@code use=sig}. Keys are
     * generated with the JDK so that they serialise the same whatever the signature provider is.
     */
    public static JWK generate(TokenAlgorithm alg) throws GeneralSecurityException {
        try {
            switch (alg) {
                case ES256: {
                    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
                    g.initialize(new ECGenParameterSpec("secp256r1"));
                    KeyPair kp = g.generateKeyPair();
                    return new ECKey.Builder(Curve.P_256, (ECPublicKey) kp.getPublic())
                            .privateKey((ECPrivateKey) kp.getPrivate())
                            .keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.ES256)
                            .keyIDFromThumbprint().build();
                }
                case RS256: {
                    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                    g.initialize(2048);
                    KeyPair kp = g.generateKeyPair();
                    return new RSAKey.Builder((RSAPublicKey) kp.getPublic())
                            .privateKey((RSAPrivateKey) kp.getPrivate())
                            .keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256)
                            .keyIDFromThumbprint().build();
                }
                case EDDSA: {
                    KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
                    byte[] x = tail(kp.getPublic().getEncoded(), ED25519_X509_PREFIX);
                    byte[] d = tail(kp.getPrivate().getEncoded(), ED25519_PKCS8_PREFIX);
                    return new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x)).d(Base64URL.encode(d))
                            .keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.EdDSA)
                            .keyIDFromThumbprint().build();
                }
                default:
                    throw new IllegalArgumentException("cannot generate a signing key for " + alg);
            }
        } catch (JOSEException e) {
            throw new GeneralSecurityException(e);
        }
    }

    /** The public key of an EC, OKP (Ed25519) or RSA JWK; refuses symmetric keys and other curves. */
    public static PublicKey publicKey(JWK jwk) throws GeneralSecurityException {
        try {
            if (jwk instanceof ECKey) {
                return ((ECKey) jwk).toECPublicKey();
            }
            if (jwk instanceof RSAKey) {
                return ((RSAKey) jwk).toRSAPublicKey();
            }
            if (jwk instanceof OctetKeyPair && Curve.Ed25519.equals(((OctetKeyPair) jwk).getCurve())) {
                byte[] x = ((OctetKeyPair) jwk).getX().decode();
                if (x.length != 32) {
                    throw new GeneralSecurityException("Ed25519 public key must be 32 bytes");
                }
                return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(concat(ED25519_X509_PREFIX, x)));
            }
        } catch (JOSEException e) {
            throw new GeneralSecurityException(e);
        }
        throw new GeneralSecurityException("unsupported public key type: " + jwk.getKeyType() + " " + jwkCurve(jwk));
    }

    /** The private key of a private EC, OKP (Ed25519) or RSA JWK. */
    public static PrivateKey privateKey(JWK jwk) throws GeneralSecurityException {
        if (!jwk.isPrivate()) {
            throw new GeneralSecurityException("not a private key");
        }
        try {
            if (jwk instanceof ECKey) {
                return ((ECKey) jwk).toECPrivateKey();
            }
            if (jwk instanceof RSAKey) {
                return ((RSAKey) jwk).toRSAPrivateKey();
            }
            if (jwk instanceof OctetKeyPair && Curve.Ed25519.equals(((OctetKeyPair) jwk).getCurve())) {
                byte[] d = ((OctetKeyPair) jwk).getD().decode();
                return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(concat(ED25519_PKCS8_PREFIX, d)));
            }
        } catch (JOSEException e) {
            throw new GeneralSecurityException(e);
        }
        throw new GeneralSecurityException("unsupported private key type: " + jwk.getKeyType());
    }

    /**
     * The algorithms a public JWK may verify: the one its curve/type implies (P-256: ES256, P-384:
     * ES384, P-521: ES512, Ed25519: EdDSA, RSA >= 2048 bits: RS256), narrowed further by its {@code alg}
     * if present, and by {@code allowed}. Symmetric JWKs give the empty set (never from outside).
     */
    public static Set<TokenAlgorithm> algorithmsFor(JWK jwk, Set<TokenAlgorithm> allowed) {
        EnumSet<TokenAlgorithm> result = EnumSet.noneOf(TokenAlgorithm.class);
        PublicKey pub;
        try {
            pub = publicKey(jwk);
        } catch (GeneralSecurityException e) {
            return result;
        }
        for (TokenAlgorithm a : allowed) {
            if (!a.isMac() && Signatures.keyMatches(a, pub)) {
                result.add(a);
            }
        }
        if (jwk.getAlgorithm() != null) {
            result.removeIf(a -> !jwk.getAlgorithm().getName().equals(a.joseName()));
        }
        return result;
    }

    /** RFC 7638 SHA-256 thumbprint, base64url (the {@code jkt} of a key and our generated kid). */
    public static String thumbprint(JWK jwk) {
        try {
            return jwk.computeThumbprint().toString();
        } catch (JOSEException e) {
            throw new IllegalArgumentException("cannot compute thumbprint: " + e.getMessage(), e);
        }
    }

    private static String jwkCurve(JWK jwk) {
        if (jwk instanceof ECKey) {
            return String.valueOf(((ECKey) jwk).getCurve());
        }
        if (jwk instanceof OctetKeyPair) {
            return String.valueOf(((OctetKeyPair) jwk).getCurve());
        }
        return "";
    }

    private static byte[] tail(byte[] encoded, byte[] prefix) throws GeneralSecurityException {
        if (encoded.length != prefix.length + 32
                || !Arrays.equals(Arrays.copyOf(encoded, prefix.length), prefix)) {
            throw new GeneralSecurityException("unexpected Ed25519 key encoding");
        }
        return Arrays.copyOfRange(encoded, prefix.length, encoded.length);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static byte[] hex(String s) {
        byte[] r = new byte[s.length() / 2];
        for (int i = 0; i < r.length; i++) {
            r[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return r;
    }
}
