package io.edgeauth.broker.keys;

import io.edgeauth.broker.crypto.TokenAlgorithm;
import java.security.Key;
import java.util.Objects;
import java.util.Set;

/**
 * A key a token may be verified with, and what it may be used for. Immutable.
 *
 * @param issuer     the issuer the key belongs to
 * @param kid        its key id
 * @param key        a public key, or a secret key for HMAC (only ever from a tenant's own configuration)
 * @param algorithms the algorithms a token signed by this key may name (already narrowed to the key's type)
 * @param tenantId   the tenant tokens of this issuer belong to, or null if the token must say
 * @param audiences  accepted audiences for this issuer; empty means the verifier's default audiences
 */
public record VerificationKey(String issuer, String kid, Key key, Set<TokenAlgorithm> algorithms,
                              String tenantId, Set<String> audiences) {
    public VerificationKey {
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(kid, "kid");
        Objects.requireNonNull(key, "key");
        algorithms = Set.copyOf(algorithms);
        audiences = audiences == null ? Set.of() : Set.copyOf(audiences);
    }

    @Override
    public String toString() { // never print key material
        return "VerificationKey[iss=" + issuer + ", kid=" + kid + ", algs=" + algorithms + "]";
    }
}
