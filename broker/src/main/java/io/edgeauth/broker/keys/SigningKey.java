package io.edgeauth.broker.keys;

import io.edgeauth.broker.crypto.TokenAlgorithm;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.crypto.impl.ECDSA;
import io.edgeauth.broker.crypto.Signatures;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Signature;
import java.security.SignatureException;
import java.security.PublicKey;

/**
 * A tenant's active signing key. Immutable; {@link #toString()} shows the kid only.
 *
 * @param tenantId  tenant
 * @param issuer    the tenant's {@code iss}
 * @param kid       RFC 7638 thumbprint of the public key
 * @param algorithm ES256, EdDSA or RS256
 * @param privateKey signing key (never logged)
 * @param publicKey  matching public key
 * @param tokenProvider the PKCS#11 provider when {@code privateKey} is a handle into a token (signs there), or null
 */
public record SigningKey(String tenantId, String issuer, String kid, TokenAlgorithm algorithm,
                         PrivateKey privateKey, PublicKey publicKey, Provider tokenProvider) {

    /** A key held in this process. */
    public SigningKey(String tenantId, String issuer, String kid, TokenAlgorithm algorithm, PrivateKey privateKey,
                      PublicKey publicKey) {
        this(tenantId, issuer, kid, algorithm, privateKey, publicKey, null);
    }

    /**
     * Signs {@code data} with this key and its algorithm (tokens, audit checkpoints): in the PKCS#11 token when the
     * key lives there (ECDSA comes back DER-encoded and is transcoded to the JWS/COSE form), else through
     * {@code signatures}.
     */
    public byte[] sign(Signatures signatures, byte[] data) throws GeneralSecurityException {
        if (tokenProvider == null) {
            return signatures.sign(algorithm, privateKey, data);
        }
        boolean ec = algorithm == TokenAlgorithm.ES256;
        Signature s = Signature.getInstance(ec ? "SHA256withECDSA" : "SHA256withRSA", tokenProvider);
        s.initSign(privateKey);
        s.update(data);
        byte[] sig = s.sign();
        try {
            return ec ? ECDSA.transcodeSignatureToConcat(sig, algorithm.signatureLength()) : sig;
        } catch (JOSEException e) {
            throw new SignatureException("token returned a malformed ECDSA signature", e);
        }
    }

    @Override
    public String toString() {
        return "SigningKey[tenant=" + tenantId + ", kid=" + kid + ", alg=" + algorithm + "]";
    }
}
