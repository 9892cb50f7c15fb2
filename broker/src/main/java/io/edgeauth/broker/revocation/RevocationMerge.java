package io.edgeauth.broker.revocation;

import java.time.Instant;

/**
 * How two revocations of one kind and value combine, so that the stronger holds whichever is written first or on
 * which node (tour V, V10). The store merges every write with what it holds ({@link StoredRevocations}); each node's
 * map keeps the {@link #newer} of what it learns, in the same order, so a late echo never undoes a later change.
 *
 * <p>A block (until lifted) is never replaced by a revocation that blocks nothing; a later {@code issuedBefore} moves
 * its coverage on (once lifted it must still cover the tokens a device change revoked). Of two revocations that block
 * nothing, the later {@code issuedBefore} wins. A block written over a lifted (or any non-blocking) record dates after
 * it, a nanosecond later should this node's clock be behind, so the writes of one key strictly increase in
 * ({@code issuedBefore}, lifted over blocking at the same instant): that order is {@link #newer}.
 */
final class RevocationMerge {
    private RevocationMerge() {
    }

    /**
     * What the store is to hold once {@code incoming} is written over {@code stored} (null: nothing): {@code stored}
     * itself (the same instance) when it already covers everything {@code incoming} does.
     */
    static Revocation merged(Revocation stored, Revocation incoming) {
        if (stored == null) {
            return incoming;
        }
        boolean later = incoming.issuedBefore().isAfter(stored.issuedBefore());
        Instant keepUntil = latest(stored.keepUntil(), incoming.keepUntil());
        if (stored.untilLifted()) {
            // a standing block keeps its reason: revoking again changes nothing it covers
            return incoming.untilLifted() || !later ? stored
                    : copy(stored, incoming.issuedBefore(), keepUntil, stored.reason(), true);
        }
        if (incoming.untilLifted()) {
            return copy(incoming, later ? incoming.issuedBefore() : stored.issuedBefore().plusNanos(1), keepUntil,
                    incoming.reason(), true);
        }
        return later ? copy(incoming, incoming.issuedBefore(), keepUntil, incoming.reason(), false) : stored;
    }

    /** The block, lifted: it covers the tokens issued up to it until they could have expired, at least to then. */
    static Revocation lifted(Revocation block, Instant keepAtLeast) {
        return copy(block, block.issuedBefore(), latest(block.keepUntil(), keepAtLeast), block.reason(), false);
    }

    /** Whether {@code candidate} came after {@code known} in the order the writes of one key follow. */
    static boolean newer(Revocation candidate, Revocation known) {
        int c = candidate.issuedBefore().compareTo(known.issuedBefore());
        return c > 0 || c == 0 && known.untilLifted() && !candidate.untilLifted();
    }

    private static Revocation copy(Revocation r, Instant issuedBefore, Instant keepUntil, String reason,
                                   boolean untilLifted) {
        return new Revocation(r.kind(), r.value(), issuedBefore, keepUntil, reason, untilLifted);
    }

    private static Instant latest(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
