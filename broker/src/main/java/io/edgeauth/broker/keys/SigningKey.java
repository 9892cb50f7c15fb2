package io.edgeauth.broker.keys;

import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.crypto.Signatures;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
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
 * @param token      the PKCS#11 token when {@code privateKey} is a handle into it (signs there), or null
 */
public record SigningKey(String tenantId, String issuer, String kid, TokenAlgorithm algorithm,
                         PrivateKey privateKey, PublicKey publicKey, Pkcs11Token token) {

    /** A key held in this process. */
    public SigningKey(String tenantId, String issuer, String kid, TokenAlgorithm algorithm, PrivateKey privateKey,
                      PublicKey publicKey) {
        this(tenantId, issuer, kid, algorithm, privateKey, publicKey, null);
    }

    /**
     * Signs {@code data} with this key and its algorithm (tokens, audit checkpoints): in the PKCS#11 token when the
     * key lives there (ECDSA comes back DER-encoded and is transcoded to the JWS/COSE form), else through
     * {@code signatures}. {@link io.edgeauth.broker.crypto.SignerUnavailableException} while the token cannot sign.
     */
    public byte[] sign(Signatures signatures, byte[] data) throws GeneralSecurityException {
        if (token == null) {
            return signatures.sign(algorithm, privateKey, data);
        }
        return token.sign(kid, privateKey, publicKey, algorithm, data); // logs in again if the handle went stale
    }

    @Override
    public String toString() {
        return "SigningKey[tenant=" + tenantId + ", kid=" + kid + ", alg=" + algorithm + "]";
    }
}
