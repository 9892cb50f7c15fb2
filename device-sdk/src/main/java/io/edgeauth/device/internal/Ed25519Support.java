package io.edgeauth.device.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Set;

/**
 * Ed25519 with the JDK (RFC 8410 encodings), because Nimbus's own Ed25519 signer needs Google Tink,
 * which a small device jar should not carry. Stateless and thread-safe.
 */
public final class Ed25519Support {
    // DER prefixes of an Ed25519 SubjectPublicKeyInfo and PKCS#8 PrivateKeyInfo; the raw 32 bytes follow
    private static final byte[] SPKI_PREFIX = hex("302a300506032b6570032100");
    private static final byte[] PKCS8_PREFIX = hex("302e020100300506032b657004220420");

    private Ed25519Support() {
    }

    /** Generates a fresh Ed25519 key pair as a private OKP JWK. */
    public static OctetKeyPair generate() {
        try {
            KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            byte[] x = raw(kp.getPublic().getEncoded(), SPKI_PREFIX);
            byte[] d = raw(kp.getPrivate().getEncoded(), PKCS8_PREFIX);
            return new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x)).d(Base64URL.encode(d)).build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is not available in this JDK", e);
        }
    }

    /** The private OKP JWK of a JDK Ed25519 key pair (e.g. read from PEM). */
    public static OctetKeyPair jwk(PublicKey publicKey, PrivateKey privateKey) throws GeneralSecurityException {
        byte[] x = raw(publicKey.getEncoded(), SPKI_PREFIX);
        byte[] d = raw(privateKey.getEncoded(), PKCS8_PREFIX);
        return new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x)).d(Base64URL.encode(d)).build();
    }

    /** The JDK public key of an Ed25519 JWK. */
    public static PublicKey publicKey(OctetKeyPair jwk) throws GeneralSecurityException {
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(concat(SPKI_PREFIX, jwk.getDecodedX())));
    }

    /** The JDK private key of a private Ed25519 JWK. */
    public static PrivateKey privateKey(OctetKeyPair jwk) throws GeneralSecurityException {
        if (jwk.getD() == null) {
            throw new GeneralSecurityException("the JWK has no private part");
        }
        return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(concat(PKCS8_PREFIX, jwk.getDecodedD())));
    }

    /** A Nimbus signer for alg EdDSA backed by the JDK. */
    public static JWSSigner signer(OctetKeyPair jwk) throws GeneralSecurityException {
        return signer(jwk, null);
    }

    /** A Nimbus signer for alg EdDSA whose signatures {@code provider} computes (null: the JVM's providers). */
    public static JWSSigner signer(OctetKeyPair jwk, java.security.Provider provider) throws GeneralSecurityException {
        PrivateKey key = privateKey(jwk);
        if (provider != null) {
            Signature.getInstance("Ed25519", provider); // refused now, not at the first signature
        }
        return new JdkEdDsaSigner(key, provider);
    }

    private static final class JdkEdDsaSigner implements JWSSigner {
        private final PrivateKey key;
        private final java.security.Provider provider;
        private final JCAContext context = new JCAContext();

        JdkEdDsaSigner(PrivateKey key, java.security.Provider provider) {
            this.key = key;
            this.provider = provider;
        }

        @Override
        public Base64URL sign(JWSHeader header, byte[] signingInput) throws JOSEException {
            if (!JWSAlgorithm.EdDSA.equals(header.getAlgorithm())) {
                throw new JOSEException("only EdDSA is supported by this signer");
            }
            try {
                Signature s = provider == null ? Signature.getInstance("Ed25519") : Signature.getInstance("Ed25519", provider);
                s.initSign(key);
                s.update(signingInput);
                return Base64URL.encode(s.sign());
            } catch (GeneralSecurityException e) {
                throw new JOSEException("Ed25519 signing failed", e);
            }
        }

        @Override
        public Set<JWSAlgorithm> supportedJWSAlgorithms() {
            return Set.of(JWSAlgorithm.EdDSA);
        }

        @Override
        public JCAContext getJCAContext() {
            return context;
        }
    }

    private static byte[] raw(byte[] encoded, byte[] prefix) throws GeneralSecurityException {
        if (encoded.length != prefix.length + 32 || !Arrays.equals(prefix, 0, prefix.length, encoded, 0, prefix.length)) {
            throw new GeneralSecurityException("unexpected Ed25519 key encoding");
        }
        return Arrays.copyOfRange(encoded, prefix.length, encoded.length);
    }

    private static byte[] concat(byte[] a, byte[] b) throws GeneralSecurityException {
        if (b == null || b.length != 32) {
            throw new GeneralSecurityException("an Ed25519 key is 32 bytes");
        }
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] hex(String s) {
        byte[] out = new byte[s.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }
}
