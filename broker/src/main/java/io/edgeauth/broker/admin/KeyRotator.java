package io.edgeauth.broker.admin;

/** Rotates a tenant's keys: the signing key, or the token-encryption keys (docs/encrypted-tokens.md). */
public interface KeyRotator {
    /** Makes a new signing key the tenant's signer; returns its key id. */
    String rotate(String tenant);

    /** Makes a new pair the tenant's token-encryption keys (the former pair decrypts on); returns the JWE key id. */
    String rotateEncryption(String tenant);
}
