package io.edgeauth.broker.token;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;

/**
 * Proof-of-possession binding of a token (RFC 7800 / RFC 8747 {@code cnf}): the SHA-256 thumbprint of
 * the client certificate ({@code x5t#S256}) and/or the RFC 7638 thumbprint of the holder's key
 * ({@code jkt}), both base64url without padding. Either may be null.
 */
public record Confirmation(String x5tS256, String jkt) {
    public static final Confirmation NONE = new Confirmation(null, null);

    /**
     * The refusal of a {@code cnf} that names no method the broker checks ({@code x5t#S256}, {@code jkt}, a key by value
     * as its thumbprint; in a CWT also a kid, read as {@code jkt}), or names another one besides: its issuer bound the token to a key this broker cannot
     * ask for, and taking it without would make it a bearer token (RFC 7800 §3; tour J, J1).
     */
    static TokenRejectedException unchecked() {
        return new TokenRejectedException(RejectionReason.BINDING_MISMATCH,
                "cnf names a confirmation method the broker does not check (only x5t#S256, jkt and a key by value)");
    }

    public boolean isEmpty() {
        return x5tS256 == null && jkt == null;
    }
}
