package io.edgeauth.broker.audit;

/**
 * Signs a checkpoint's payload with the node's signing key: a compact JWS whose header names the key
 * ({@code kid}), so {@code audit verify --jwks} can check it against the broker's published JWKS.
 */
@FunctionalInterface
public interface CheckpointSigner {
    /** A compact JWS over {@code payloadJson}; throws if the key cannot sign (the checkpoint is then skipped). */
    String sign(String payloadJson) throws java.security.GeneralSecurityException;
}
