package io.edgeauth.broker.token;

/**
 * Proof-of-possession binding of a token (RFC 7800 / RFC 8747 {@code cnf}): the SHA-256 thumbprint of
 * the client certificate ({@code x5t#S256}) and/or the RFC 7638 thumbprint of the holder's key
 * ({@code jkt}), both base64url without padding. Either may be null.
 */
public record Confirmation(String x5tS256, String jkt) {
    public static final Confirmation NONE = new Confirmation(null, null);

    public boolean isEmpty() {
        return x5tS256 == null && jkt == null;
    }
}
