package io.edgeauth.broker.revocation;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One revocation: of a token ({@code jti}, and every token exchanged from it), of a subject, of a
 * signing key ({@code kid}: every token it signed), or, for continuous access evaluation of trusted
 * outside issuers, of an issuer ({@code ISSUER}) or one issuer's key ({@code ISSUER_KEY}, value
 * {@link #issuerKey}): these cover the issuer's (key's) tokens issued up to {@code issuedBefore}; of a withdrawn
 * fleet CA ({@code FLEET_CA}): the tokens whose {@code fleet_ca} names it, issued up to {@code issuedBefore}. A subject revocation made by an operator holds
 * {@code untilLifted}: every token of the subject is refused and nothing new is issued to it until
 * {@link RevocationService#lift lifted}; so does an operator's revocation of an outside issuer's key ({@code KID},
 * value {@link #issuerKey}: the broker cannot retire that key, which can sign new tokens at any time); afterwards (and for a subject revocation that never blocked, e.g.
 * a deleted device) it covers the tokens issued up to {@code issuedBefore}. Kept until
 * {@code keepUntil}, when no token it covers can still be valid, then pruned (never while it blocks).
 */
public record Revocation(Kind kind, String value, Instant issuedBefore, Instant keepUntil, String reason,
                         boolean untilLifted) {

    /** What a revocation names; only the {@link Kind#byOperator} kinds are named in the admin API. */
    public enum Kind {
        JTI(true), SUB(true), KID(true), ISSUER(false), ISSUER_KEY(false), FLEET_CA(false);

        private final boolean byOperator;

        Kind(boolean byOperator) {
            this.byOperator = byOperator;
        }

        /** Whether an operator names this kind ({@code POST /admin/revocations}); the others the broker makes. */
        public boolean byOperator() {
            return byOperator;
        }
    }

    public Revocation {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(issuedBefore, "issuedBefore");
        Objects.requireNonNull(keepUntil, "keepUntil");
        reason = reason == null ? "" : reason;
        if (untilLifted && kind != Kind.SUB && kind != Kind.KID) {
            throw new IllegalArgumentException("only a subject or key revocation holds until lifted");
        }
    }

    /**
     * The value of an {@code ISSUER_KEY} revocation: one issuer's key id. The kid's length comes first, so no
     * issuer or kid (both free text) can make two pairs read alike.
     */
    public static String issuerKey(String issuer, String kid) {
        return kid.length() + ":" + kid + "@" + issuer;
    }

    /**
     * The issuer and the kid of an {@link #issuerKey} value, in that order; empty for another value (a kid revocation
     * written before 2026-12-07 holds the bare kid).
     */
    public static java.util.Optional<List<String>> issuerAndKid(String value) {
        int colon = value.indexOf(':');
        try {
            int length = colon < 1 ? -1 : Integer.parseInt(value.substring(0, colon));
            int at = colon + 1 + length;
            if (length >= 0 && length < value.length() && at < value.length() && value.charAt(at) == '@') {
                return java.util.Optional.of(List.of(value.substring(at + 1), value.substring(colon + 1, at)));
            }
        } catch (NumberFormatException e) {
            // not an issuer's key
        }
        return java.util.Optional.empty();
    }

    /**
     * Whether this revocation names one of the token's identifiers (its {@code jti} or a parent's, its subject, its
     * key, its issuer): a cheap filter before the full check, so a revocation does not re-check every live session
     * of a node. It ignores the dates: a token it names may still be in force, one it does not name never ends by it.
     */
    public boolean names(io.edgeauth.broker.token.VerifiedToken token) {
        return switch (kind) {
            case JTI -> value.equals(token.tokenId()) || token.parentTokenIds().contains(value);
            case SUB -> value.equals(token.subject()) || value.equals(token.actor()); // the actor's delegated tokens too
            case KID -> value.equals(token.keyId()) // a record without an issuer, written before 2026-12-07
                    || token.issuer() != null && value.equals(issuerKey(token.issuer(), token.keyId()));
            case ISSUER -> value.equals(token.issuer());
            case ISSUER_KEY -> token.issuer() != null && token.keyId() != null
                    && value.equals(issuerKey(token.issuer(), token.keyId()));
            case FLEET_CA -> value.equals(token.fleetCa());
        };
    }

    /** A revocation that covers tokens issued up to {@code issuedBefore} and blocks nothing later. */
    public Revocation(Kind kind, String value, Instant issuedBefore, Instant keepUntil, String reason) {
        this(kind, value, issuedBefore, keepUntil, reason, false);
    }
}
