package io.edgeauth.broker.token;

import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.refusal.RejectionReason;
import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWEEncrypter;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.crypto.RSAEncrypter;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDHDecrypter;
import com.nimbusds.jose.crypto.ECDHEncrypter;
import com.nimbusds.jose.jwk.ECKey;
import java.nio.charset.StandardCharsets;
import java.security.Provider;
import java.text.ParseException;
import java.util.Set;

/**
 * Nested JWTs (RFC 7519 §5.2, RFC 7516) through Nimbus: a signed JWT as the payload of a compact JWE
 * encrypted to a P-256 key. Decryption is policy first: only ECDH-ES key agreement (direct or with
 * AES key wrap) and AES-GCM content encryption (no RSA1_5, no CBC-HMAC, no compression, no
 * {@code crit}); the key comes only from our own key set by {@code kid}, never from the header.
 * Stateless and thread-safe.
 */
final class NestedJwt {
    static final Set<JWEAlgorithm> ALGORITHMS = Set.of(JWEAlgorithm.ECDH_ES, JWEAlgorithm.ECDH_ES_A128KW,
            JWEAlgorithm.ECDH_ES_A256KW);
    static final Set<EncryptionMethod> ENCRYPTIONS = Set.of(EncryptionMethod.A128GCM, EncryptionMethod.A256GCM);

    private NestedJwt() {
    }

    /** True if the bytes look like a compact JWE: a JSON header in base64url and five parts. */
    static boolean looksLikeJwe(byte[] token) {
        if (token.length < 2 || token[0] != 'e' || token[1] != 'y') {
            return false;
        }
        int dots = 0;
        for (byte b : token) {
            if (b == '.' && ++dots > 4) {
                return false;
            }
        }
        return dots == 4;
    }

    /** Encrypts a compact JWS to {@code recipient}: ECDH-ES, A256GCM, {@code cty: JWT}, the recipient's kid. */
    static byte[] encrypt(ECKey recipient, String signedJwt) {
        JWEHeader header = new JWEHeader.Builder(JWEAlgorithm.ECDH_ES, EncryptionMethod.A256GCM)
                .contentType("JWT").keyID(recipient.getKeyID()).build();
        JWEObject jwe = new JWEObject(header, new Payload(signedJwt));
        try {
            jwe.encrypt(new ECDHEncrypter(recipient.toECPublicKey()));
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot encrypt token to key " + recipient.getKeyID(), e);
        }
        return jwe.serialize().getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Encrypts a compact JWS to a resource server's public key: {@code ECDH-ES} for an EC key,
     * {@code RSA-OAEP-256} for an RSA key; A256GCM, {@code cty: JWT}, the key's kid.
     */
    static byte[] encryptTo(JWK recipient, String signedJwt) {
        try {
            JWEAlgorithm alg;
            JWEEncrypter encrypter;
            if (recipient instanceof ECKey ec) {
                alg = JWEAlgorithm.ECDH_ES;
                encrypter = new ECDHEncrypter(ec.toECPublicKey());
            } else if (recipient instanceof RSAKey rsa) {
                alg = JWEAlgorithm.RSA_OAEP_256;
                encrypter = new RSAEncrypter(rsa.toRSAPublicKey());
            } else {
                throw new IllegalArgumentException("a resource server key must be EC or RSA");
            }
            JWEHeader header = new JWEHeader.Builder(alg, EncryptionMethod.A256GCM).contentType("JWT")
                    .keyID(recipient.getKeyID()).build();
            JWEObject jwe = new JWEObject(header, new Payload(signedJwt));
            jwe.encrypt(encrypter);
            return jwe.serialize().getBytes(StandardCharsets.US_ASCII);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot encrypt token to key " + recipient.getKeyID(), e);
        }
    }

    /** Parses the JWE and checks its header against the policy; nothing is decrypted yet. */
    static JWEObject parse(byte[] token) throws TokenRejectedException {
        JWEObject jwe;
        try {
            jwe = JWEObject.parse(new String(token, StandardCharsets.US_ASCII));
        } catch (ParseException e) {
            throw new TokenRejectedException(RejectionReason.MALFORMED, "unparseable JWE");
        }
        JWEHeader h = jwe.getHeader();
        // null-checked first: Set.of(...).contains(null) throws, and a header value is the sender's choice
        if (h.getAlgorithm() == null || h.getEncryptionMethod() == null
                || !ALGORITHMS.contains(h.getAlgorithm()) || !ENCRYPTIONS.contains(h.getEncryptionMethod())) {
            throw new TokenRejectedException(RejectionReason.UNSUPPORTED_ALGORITHM, "JWE alg or enc not allowed");
        }
        if (h.getCompressionAlgorithm() != null || h.getCriticalParams() != null) {
            // zip: a decompression bomb behind an authenticated tag is still a bomb; crit: no extensions
            throw new TokenRejectedException(RejectionReason.MALFORMED, "JWE zip and crit are not supported");
        }
        return jwe;
    }

    /**
     * Decrypts with {@code key}; a tag or key-agreement failure is {@code BAD_SIGNATURE} (a forgery).
     * Returns the plaintext bytes. {@code keyAgreement}: the JCA provider for ECDH, null for the default.
     */
    static byte[] decrypt(JWEObject jwe, ECKey key, Provider keyAgreement) throws TokenRejectedException {
        try {
            ECDHDecrypter decrypter = new ECDHDecrypter(key);
            if (keyAgreement != null) {
                // the ECDH agreement is the whole cost of opening a JWE: ACCP's is several times the JDK's
                decrypter.getJCAContext().setKeyEncryptionProvider(keyAgreement);
            }
            jwe.decrypt(decrypter);
        } catch (JOSEException | IllegalStateException e) {
            throw new TokenRejectedException(RejectionReason.BAD_SIGNATURE, TokenRejectedException.NOT_AUTHENTIC)
                    .auditDetail("JWE does not decrypt"); // the answer as a forgery's, the layer for the audit
        }
        return jwe.getPayload().toBytes();
    }
}
