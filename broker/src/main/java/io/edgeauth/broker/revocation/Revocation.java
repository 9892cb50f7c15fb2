package io.edgeauth.broker.revocation;

import java.time.Instant;
import java.util.Objects;

/**
 * One revocation: of a token ({@code jti}), of a subject (every token issued to it before
 * {@code issuedBefore}) or of a signing key ({@code kid}: every token it signed). Kept until
 * {@code keepUntil}, when no token it covers can still be valid, then pruned.
 */
public record Revocation(Kind kind, String value, Instant issuedBefore, Instant keepUntil, String reason) {

    /** What a revocation names. */
    public enum Kind { JTI, SUB, KID }

    public Revocation {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(issuedBefore, "issuedBefore");
        Objects.requireNonNull(keepUntil, "keepUntil");
        reason = reason == null ? "" : reason;
    }
}
