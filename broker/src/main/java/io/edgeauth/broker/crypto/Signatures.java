package io.edgeauth.broker.crypto;

import com.nimbusds.jose.jwk.Curve;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.Key;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECKey;
import java.security.interfaces.EdECKey;
import java.security.interfaces.RSAKey;
import java.util.EnumMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.SecretKey;

/**
 * Signs and verifies token bytes with a {@link TokenAlgorithm} and the provider chosen by
 * {@link CryptoProviders}. JWT and CWT verification both end here, so both encodings get exactly the
 * same algorithm/key checks.
 *
 * <p>Thread-safe: JCA engines are not, so each thread keeps its own engine per algorithm (creating a
 * {@link Signature} costs a provider lookup on every token otherwise).
 */
public final class Signatures {
    /** Smallest RSA modulus we accept (RFC 7518 §3.3). */
    public static final int MIN_RSA_BITS = 2048;
    /** Smallest HMAC key we accept, in bytes (RFC 7518 §3.2 for HS256). */
    public static final int MIN_HMAC_KEY_BYTES = 32;

    private static final Map<TokenAlgorithm, BigInteger> EC_ORDERS = new EnumMap<>(Map.of(
            TokenAlgorithm.ES256, Curve.P_256.toECParameterSpec().getOrder(),
            TokenAlgorithm.ES384, Curve.P_384.toECParameterSpec().getOrder(),
            TokenAlgorithm.ES512, Curve.P_521.toECParameterSpec().getOrder()));

    private final CryptoProviders providers;
    private final ThreadLocal<EnumMap<TokenAlgorithm, Signature>> signatures =
            ThreadLocal.withInitial(() -> new EnumMap<>(TokenAlgorithm.class));
    private final ThreadLocal<EnumMap<TokenAlgorithm, Mac>> macs =
            ThreadLocal.withInitial(() -> new EnumMap<>(TokenAlgorithm.class));

    public Signatures(CryptoProviders providers) {
        this.providers = providers;
    }

    public CryptoProviders providers() {
        return providers;
    }

    /**
     * True if {@code key} is of the kind and size {@code alg} needs: the P-256 key for ES256 only (a
     * P-256 key with ES512 is refused: a key is bound to one curve and hash, and mixing them is how
     * algorithm-substitution attacks start), Ed25519 for EdDSA, RSA of at least 2048 bits, a secret
     * key of at least 32 bytes for HMAC.
     */
    public static boolean keyMatches(TokenAlgorithm alg, Key key) {
        if (alg == null || key == null) {
            return false;
        }
        switch (alg.keyKind()) {
            case EC:
                return key instanceof ECKey
                        && EC_ORDERS.get(alg).equals(((ECKey) key).getParams().getOrder());
            case OKP:
                if (key instanceof EdECKey) {
                    return "Ed25519".equalsIgnoreCase(((EdECKey) key).getParams().getName());
                }
                return "Ed25519".equals(key.getAlgorithm());
            case RSA:
                return key instanceof RSAKey && ((RSAKey) key).getModulus().bitLength() >= MIN_RSA_BITS;
            case OCT:
                if (!(key instanceof SecretKey)) {
                    return false;
                }
                byte[] encoded = key.getEncoded();
                return encoded != null && encoded.length >= MIN_HMAC_KEY_BYTES;
            default:
                return false;
        }
    }

    /**
     * Verifies {@code signature} over {@code data[0, length)}. Returns false for a wrong signature, a
     * wrong signature length or a key that does not fit {@code alg}; never throws for bad input.
     */
    public boolean verify(TokenAlgorithm alg, Key key, byte[] data, int length, byte[] signature) {
        if (!keyMatches(alg, key) || signature == null) {
            return false;
        }
        if (alg.signatureLength() > 0 && signature.length != alg.signatureLength()) {
            return false;
        }
        try {
            if (alg.isMac()) {
                byte[] expected = mac(alg, (SecretKey) key, data, length);
                return MessageDigest.isEqual(expected, signature); // constant time
            }
            if (!(key instanceof PublicKey)) {
                return false;
            }
            Signature s = engine(alg);
            s.initVerify((PublicKey) key);
            s.update(data, 0, length);
            return s.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            // a malformed signature (e.g. r or s out of range) is a failed verification, not an error
            return false;
        }
    }

    /** Signs {@code data} (issuing side). {@code key} is a private key or, for HMAC, the secret. */
    public byte[] sign(TokenAlgorithm alg, Key key, byte[] data) throws GeneralSecurityException {
        if (alg.isMac()) {
            if (!keyMatches(alg, key)) {
                throw new InvalidKeyException("key does not fit " + alg);
            }
            return mac(alg, (SecretKey) key, data, data.length);
        }
        if (!(key instanceof PrivateKey)) {
            throw new InvalidKeyException("signing needs a private key for " + alg);
        }
        Signature s = engine(alg);
        s.initSign((PrivateKey) key);
        s.update(data);
        return s.sign();
    }

    private byte[] mac(TokenAlgorithm alg, SecretKey key, byte[] data, int length) throws GeneralSecurityException {
        Mac m = macs.get().get(alg);
        if (m == null) {
            m = providers.mac(alg.jcaName());
            macs.get().put(alg, m);
        }
        m.init(key);
        m.update(data, 0, length);
        byte[] full = m.doFinal();
        if (alg.signatureLength() < full.length) {
            byte[] truncated = new byte[alg.signatureLength()];
            System.arraycopy(full, 0, truncated, 0, truncated.length);
            return truncated;
        }
        return full;
    }

    private Signature engine(TokenAlgorithm alg) throws GeneralSecurityException {
        EnumMap<TokenAlgorithm, Signature> cache = signatures.get();
        Signature s = cache.get(alg);
        if (s == null) {
            s = providers.signature(alg.jcaName());
            cache.put(alg, s);
        }
        return s;
    }
}
