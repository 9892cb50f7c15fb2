package io.edgeauth.broker.revocation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.edgeauth.broker.store.ChangeFeed;
import io.edgeauth.broker.store.Store;
import io.edgeauth.broker.store.StoreUnavailableException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * The revocations in the {@link Store}, one record per kind and value, written through the {@link ChangeFeed} by
 * compare-and-set: a write {@link RevocationMerge merges} with the record it expects and writes only if the store
 * still holds that one, else reads the store (every node's writes, not this node's map, which learns another node's
 * change a little later) and merges again. So a revocation is never lost to a concurrent one (tour V, V9, V10), and a
 * lift lifts the block the store holds (V15). The first attempt expects the record this node holds: in step with the
 * store it is one command, which a stalled Redis still runs when it resumes, as the audit's outcome {@code unknown}
 * says (tour M, M1). Thread-safe.
 */
final class StoredRevocations {
    static final String SPACE = "revocations";
    static final String FEED = "revocations";
    /** Each failed attempt means another write of the key succeeded: more in a row is a store that misbehaves. */
    private static final int ATTEMPTS = 100;

    private final Store store;
    private final ChangeFeed feed;
    private final ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    /** What the store held before a write (null: nothing) and holds after it (the same when nothing was written). */
    record Outcome(Revocation before, Revocation after) {
        boolean written() {
            return before != after;
        }
    }

    StoredRevocations(Store store, ChangeFeed feed) {
        this.store = store;
        this.feed = feed;
    }

    /** A stored record as read (null: none), with its bytes, which a compare-and-set expects. */
    private record Seen(byte[] raw, Revocation record) { }

    /**
     * Writes {@code incoming} merged with the stored record of its kind and value; {@code heldHere} is this node's
     * (null: none), tried first. "Nothing to write" is decided on the store's record only.
     */
    Outcome merge(Revocation incoming, Revocation heldHere) {
        String key = key(incoming.kind(), incoming.value());
        Seen seen = new Seen(heldHere == null ? null : encode(heldHere), heldHere);
        boolean read = false;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Revocation merged = RevocationMerge.merged(seen.record(), incoming);
            if (merged == seen.record() ? read
                    : feed.putIfUnchanged(FEED, SPACE, key, seen.raw(), encode(merged), expiry(merged))) {
                return new Outcome(seen.record(), merged);
            }
            seen = read(key);
            read = true;
        }
        throw contended(key);
    }

    /**
     * Lifts the block (a subject's, an outside issuer's key's) the store holds, or, should the store have lost it (Redis lost its data, not yet written
     * back), the one this node holds ({@code heldHere}), in one compare-and-set: a block another node makes meanwhile
     * is read again, never overwritten unseen. {@code after} is the lifted record, or what the store holds when it
     * holds no block (then {@code before == after}).
     */
    Outcome lift(Revocation.Kind kind, String value, Revocation heldHere, Instant keepAtLeast) {
        String key = key(kind, value);
        boolean blockedHere = heldHere != null && heldHere.untilLifted();
        Seen seen = blockedHere ? new Seen(encode(heldHere), heldHere) : read(key);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Revocation block = seen.record() != null ? seen.record() : heldHere;
            if (block == null || !block.untilLifted()) {
                return new Outcome(seen.record(), seen.record());
            }
            Revocation lifted = RevocationMerge.lifted(block, keepAtLeast);
            if (feed.putIfUnchanged(FEED, SPACE, key, seen.raw(), encode(lifted), lifted.keepUntil())) {
                return new Outcome(block, lifted);
            }
            seen = read(key);
        }
        throw contended(key);
    }

    /**
     * The stored record. A read that timed out wrote nothing, whatever the store does with it later: refused as a
     * plain failure, not one whose outcome is unknown (the audit would name a change that cannot take effect).
     */
    private Seen read(String key) {
        byte[] raw;
        try {
            raw = store.get(SPACE, key).orElse(null);
        } catch (StoreUnavailableException e) {
            throw new StoreUnavailableException(e.getMessage(), e.getCause());
        }
        return new Seen(raw, raw == null ? null : decode(raw));
    }

    /** A block is kept until lifted; the rest until no token it covers can be valid (Redis expires it then). */
    static Instant expiry(Revocation r) {
        return r.untilLifted() ? null : r.keepUntil();
    }

    static String key(Revocation.Kind kind, String value) {
        return kind.name() + ":" + value;
    }

    private static StoreUnavailableException contended(String key) {
        return new StoreUnavailableException("revocation " + key + " changed under " + ATTEMPTS
                + " writes in a row; retry", null);
    }

    byte[] encode(Revocation r) {
        try {
            return json.writeValueAsBytes(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Revocation decode(byte[] bytes) {
        try {
            return json.readValue(bytes, Revocation.class);
        } catch (com.fasterxml.jackson.databind.exc.InvalidFormatException e) {
            // refuse rather than skip: a revocation this node cannot apply would let its tokens through
            throw new UncheckedIOException("a revocation in the store is of a kind this version does not know ("
                    + e.getValue() + "; a newer broker wrote it): run that version, or this one once it has expired"
                    + " (at most tokens.maxLifetime + clock leeway after it was made)", e);
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt revocation record in the store", e);
        }
    }
}
