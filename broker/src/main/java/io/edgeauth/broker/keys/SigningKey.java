package io.edgeauth.broker.keys;

import io.edgeauth.broker.crypto.TokenAlgorithm;
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
 */
public record SigningKey(String tenantId, String issuer, String kid, TokenAlgorithm algorithm,
                         PrivateKey privateKey, PublicKey publicKey) {
    /** Signs {@code data} with this key and its algorithm (tokens, audit checkpoints). */
    public byte[] sign(io.edgeauth.broker.crypto.Signatures signatures, byte[] data)
            throws java.security.GeneralSecurityException {
        return signatures.sign(algorithm, privateKey, data);
    }

    @Override
    public String toString() {
        return "SigningKey[tenant=" + tenantId + ", kid=" + kid + ", alg=" + algorithm + "]";
    }
}
