package io.edgeauth.wallet;

import java.time.Duration;

/**
 * Issues single-use sign-in nonces and consumes them exactly once.
 *
 * <p>The broker implements this on its durable shared store so a nonce issued by one node can be
 * consumed on another and survives a restart; {@link InMemoryNonceStore} serves tests and single
 * process use. Implementations must be thread-safe, and {@link #consume(String)} must be atomic:
 * when two logins race with the same nonce, exactly one wins.
 */
public interface NonceStore {

    /** What happened to a nonce presented for consumption. */
    enum Outcome {
        /** The nonce was valid and is now used up. */
        CONSUMED,
        /** This store never issued the nonce (or has forgotten it). */
        UNKNOWN,
        /** The nonce was consumed before. */
        ALREADY_USED,
        /** The nonce's time to live has passed. */
        EXPIRED,
        /** Refused, and the store cannot tell which of the three reasons applies. */
        REJECTED
    }

    /**
     * Creates and remembers a new nonce.
     *
     * @param ttl how long the nonce may be used
     * @return at least 96 bits of cryptographically secure randomness, alphanumeric, at least 8 characters
     */
    String issue(Duration ttl);

    /**
     * Atomically uses up a nonce.
     *
     * @return true exactly once for an issued, unexpired nonce; false for an unknown, used or expired one
     */
    boolean consume(String nonce);

    /**
     * Whether {@code nonce} could be consumed now, without consuming it: asked before the signature is checked, so a
     * message with a nonce that was never issued (or is used or expired) costs no ECDSA recovery and no JSON-RPC call
     * of a contract wallet check. A hint only: it may say true for a nonce {@link #consume(String)} then refuses (a
     * racing login took it), never false for one it would accept. The default says true (no look-ahead).
     */
    default boolean isLive(String nonce) {
        return true;
    }

    /**
     * Like {@link #consume(String)}, but tells why a nonce is refused, so a login failure can say so.
     * The default only knows {@link Outcome#CONSUMED} or {@link Outcome#REJECTED}.
     */
    default Outcome consumeWithOutcome(String nonce) {
        return consume(nonce) ? Outcome.CONSUMED : Outcome.REJECTED;
    }
}
