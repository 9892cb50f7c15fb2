package io.edgeauth.broker.keys;

import io.edgeauth.broker.refusal.RejectionReason;


/**
 * Result of a key lookup: a key, or a typed miss ({@link RejectionReason#UNKNOWN_ISSUER} or
 * {@link RejectionReason#UNKNOWN_KEY}). A miss is a value, not an exception, because it is frequent
 * under attack and cheap this way. Immutable.
 */
public final class KeyResolution {
    private static final KeyResolution UNKNOWN_ISSUER = new KeyResolution(null, RejectionReason.UNKNOWN_ISSUER);
    private static final KeyResolution UNKNOWN_KEY = new KeyResolution(null, RejectionReason.UNKNOWN_KEY);

    private final VerificationKey key;
    private final RejectionReason miss;

    private KeyResolution(VerificationKey key, RejectionReason miss) {
        this.key = key;
        this.miss = miss;
    }

    public static KeyResolution found(VerificationKey key) {
        return new KeyResolution(java.util.Objects.requireNonNull(key), null);
    }

    public static KeyResolution unknownIssuer() {
        return UNKNOWN_ISSUER;
    }

    public static KeyResolution unknownKey() {
        return UNKNOWN_KEY;
    }

    public boolean isFound() {
        return key != null;
    }

    /** The key, or null on a miss. */
    public VerificationKey key() {
        return key;
    }

    /** The reason of a miss, or null if found. */
    public RejectionReason miss() {
        return miss;
    }

    @Override
    public String toString() {
        return key != null ? "found(" + key + ")" : "miss(" + miss.code() + ")";
    }
}
