package io.edgeauth.broker.revocation;

import java.time.Instant;
import java.util.Objects;

/**
 * One revocation: of a token ({@code jti}, and every token exchanged from it), of a subject or of a
 * signing key ({@code kid}: every token it signed). A subject revocation made by an operator holds
 * {@code untilLifted}: every token of the subject is refused and nothing new is issued to it until
 * {@link RevocationService#lift lifted}; afterwards (and for a subject revocation that never blocked, e.g.
 * a deleted device) it covers the tokens issued up to {@code issuedBefore}. Kept until
 * {@code keepUntil}, when no token it covers can still be valid, then pruned (never while it blocks).
 */
public record Revocation(Kind kind, String value, Instant issuedBefore, Instant keepUntil, String reason,
                         boolean untilLifted) {

    /** What a revocation names. */
    public enum Kind { JTI, SUB, KID }

    public Revocation {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(issuedBefore, "issuedBefore");
        Objects.requireNonNull(keepUntil, "keepUntil");
        reason = reason == null ? "" : reason;
        if (untilLifted && kind != Kind.SUB) {
            throw new IllegalArgumentException("only a subject revocation holds until lifted");
        }
    }

    /** A revocation that covers tokens issued up to {@code issuedBefore} and blocks nothing later. */
    public Revocation(Kind kind, String value, Instant issuedBefore, Instant keepUntil, String reason) {
        this(kind, value, issuedBefore, keepUntil, reason, false);
    }
}
