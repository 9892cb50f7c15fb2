package io.edgeauth.broker.store;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * Durable state shared by the broker's services: the device registry, revocations, used assertion
 * ids and nonces, refresh tokens. Values live in named spaces under string keys and may carry an
 * expiry after which they are gone. Every mutation is durable when the call returns (it survives a
 * kill -9 of the process). Two implementations: {@link MvStoreStore} (embedded, the default) and a
 * Redis one for several nodes; the atomic operations ({@link #putIfAbsent}, {@link #take}) map to
 * Redis {@code SET NX PX} and {@code GETDEL}. Thread-safe.
 */
public interface Store extends AutoCloseable {

    /** The value, or empty if absent or expired. */
    Optional<byte[]> get(String space, String key);

    /** Stores the value; {@code expiresAt} may be null for no expiry. */
    void put(String space, String key, byte[] value, Instant expiresAt);

    /**
     * Stores the value without waiting: the future completes once the write is durable. Lets a caller
     * with many writes (bulk import) have them share one commit. The default writes synchronously.
     */
    default CompletableFuture<Void> putAsync(String space, String key, byte[] value, Instant expiresAt) {
        try {
            put(space, key, value, expiresAt);
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Atomically stores the value only if no live value exists; true if stored (first use). */
    boolean putIfAbsent(String space, String key, byte[] value, Instant expiresAt);

    /**
     * {@link #putIfAbsent}, decided at once and made durable later: null when a live value exists (nothing written),
     * else the future of the write's durability. A caller with more writes to make (a zero-touch enrolment: the
     * assertion's jti, then the record and its mark) then waits for one commit where the store groups them. The
     * default writes synchronously.
     */
    default CompletableFuture<Void> putIfAbsentDeferred(String space, String key, byte[] value, Instant expiresAt) {
        try {
            return putIfAbsent(space, key, value, expiresAt) ? CompletableFuture.completedFuture(null) : null;
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Atomically stores the value (no expiry) only if the live value is still {@code expected} (null: none), byte for
     * byte; true if stored. A read-then-write that must not overwrite a change it did not see (another node's
     * included) uses it and, when refused, reads again or refuses. Redis: one Lua script.
     */
    default boolean replaceIf(String space, String key, byte[] expected, byte[] value) {
        throw new UnsupportedOperationException("replaceIf on " + getClass().getSimpleName());
    }

    /** Atomically removes and returns the live value (single-use items such as nonces). */
    Optional<byte[]> take(String space, String key);

    /** Removes the key; true if a live value was there. */
    boolean remove(String space, String key);

    /** Calls {@code action} for every live entry of a space (start-up loading; not for hot paths). */
    void forEach(String space, BiConsumer<String, byte[]> action);

    /** Drops expired entries; returns how many. */
    long prune(Instant now);

    /**
     * Why the store cannot serve right now (e.g. "redis unreachable: ..." or, for the embedded store, "closed
     * after a write failure (...)"), or empty while it can: for {@code /health/ready} and the outage policy.
     */
    default Optional<String> unavailableReason() {
        return Optional.empty();
    }

    @Override
    void close();
}
