package io.edgeauth.broker.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;

/**
 * RFC 7638 thumbprints of the keys a transport proved (a DTLS raw public key, a TLS/DTLS client certificate's key):
 * what a token's {@code cnf jkt} is compared with in {@link TransportFacts}. Stateless.
 */
public final class KeyThumbprints {
    private KeyThumbprints() {
    }

    /**
     * The RFC 7638 JWK thumbprint (SHA-256, base64url) of an EC, RSA, Ed25519 or Ed448 public key.
     *
     * @throws IllegalArgumentException for a key type without a JWK form
     */
    public static String of(PublicKey key) {
        try {
            if (key instanceof ECPublicKey ec) {
                return new ECKey.Builder(Curve.forECParameterSpec(ec.getParams()), ec).build()
                        .computeThumbprint().toString();
            }
            if (key instanceof RSAPublicKey rsa) {
                return new RSAKey.Builder(rsa).build().computeThumbprint().toString();
            }
            if (key instanceof EdECPublicKey ed) {
                String name = ed.getParams().getName(); // "Ed25519" or "Ed448"
                int len = name.equals("Ed448") ? 57 : 32;
                byte[] spki = key.getEncoded();       // the raw key is the tail of the SubjectPublicKeyInfo
                byte[] x = Arrays.copyOfRange(spki, spki.length - len, spki.length);
                return new OctetKeyPair.Builder(Curve.parse(name), Base64URL.encode(x)).build()
                        .computeThumbprint().toString();
            }
        } catch (JOSEException | RuntimeException e) {
            throw new IllegalArgumentException("unsupported public key", e);
        }
        throw new IllegalArgumentException("unsupported public key type " + key.getAlgorithm());
    }

    /** {@code x5t#S256} of a certificate (base64url, no padding, SHA-256 of its DER), or null for none. */
    public static String certificate(java.security.cert.Certificate cert) {
        if (cert == null) {
            return null;
        }
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
            return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (java.security.NoSuchAlgorithmException | java.security.cert.CertificateEncodingException e) {
            throw new IllegalArgumentException("certificate cannot be encoded", e);
        }
    }

    /** As {@link #of} but null for a key type without a JWK form (so it matches no {@code jkt}). */
    public static String ofOrNull(PublicKey key) {
        try {
            return of(key);
        } catch (IllegalArgumentException unsupported) {
            return null;
        }
    }
}
