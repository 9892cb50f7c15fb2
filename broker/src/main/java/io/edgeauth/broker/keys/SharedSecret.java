package io.edgeauth.broker.keys;

import io.edgeauth.broker.crypto.Signatures;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * A tenant's HS256 secret and the {@code kid} tokens name it by. Only tenants that configure one can
 * have HS256 tokens verified, and only with this secret (never with a public key). Immutable; the
 * secret is copied in and out and never printed by {@link #toString()}.
 */
public final class SharedSecret {
    private final String kid;
    private final byte[] secret;

    /** @param secret at least 32 bytes (RFC 7518 §3.2) */
    public SharedSecret(String kid, byte[] secret) {
        this.kid = KeyIds.requireValid(kid);
        Objects.requireNonNull(secret, "secret");
        if (secret.length < Signatures.MIN_HMAC_KEY_BYTES) {
            throw new IllegalArgumentException("HS256 secret must be at least 32 bytes");
        }
        this.secret = secret.clone();
    }

    public String kid() {
        return kid;
    }

    public SecretKey toKey() {
        return new SecretKeySpec(secret, "HmacSHA256");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SharedSecret && ((SharedSecret) o).kid.equals(kid)
                && Arrays.equals(((SharedSecret) o).secret, secret);
    }

    @Override
    public int hashCode() {
        return kid.hashCode();
    }

    @Override
    public String toString() {
        return "SharedSecret[kid=" + kid + ", secret=***]";
    }
}
