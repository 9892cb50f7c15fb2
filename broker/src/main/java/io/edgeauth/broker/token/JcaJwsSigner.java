package io.edgeauth.broker.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.util.Base64URL;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.keys.SigningKey;
import java.security.GeneralSecurityException;
import java.util.Set;

/**
 * A Nimbus {@link JWSSigner} backed by {@link SigningKey#sign}: {@link Signatures} (so issuing uses the same provider
 * as verification and Ed25519 works without Google Tink, which Nimbus's own Ed25519 signer needs), or the PKCS#11
 * token that holds the key.
 */
final class JcaJwsSigner implements JWSSigner {
    private final Signatures signatures;
    private final TokenAlgorithm algorithm;
    private final SigningKey key;
    private final JCAContext jca = new JCAContext();

    JcaJwsSigner(Signatures signatures, SigningKey key) {
        this.signatures = signatures;
        this.algorithm = key.algorithm();
        this.key = key;
        jca.setProvider(signatures.providers().signatureProvider());
    }

    @Override
    public Base64URL sign(JWSHeader header, byte[] signingInput) throws JOSEException {
        if (!algorithm.joseName().equals(header.getAlgorithm().getName())) {
            throw new JOSEException("header alg does not match the key's algorithm");
        }
        try {
            return Base64URL.encode(key.sign(signatures, signingInput)); // in the PKCS#11 token when the key lives there
        } catch (GeneralSecurityException e) {
            throw new JOSEException("signing failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Set<JWSAlgorithm> supportedJWSAlgorithms() {
        return Set.of(JWSAlgorithm.parse(algorithm.joseName()));
    }

    @Override
    public JCAContext getJCAContext() {
        return jca;
    }
}
