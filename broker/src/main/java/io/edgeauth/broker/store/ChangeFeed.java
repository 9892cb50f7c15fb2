package io.edgeauth.broker.store;

import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Changes every node must learn of, in order and without loss: a write to the {@link Store} and its
 * announcement happen in one atomic step, and each node follows the feed from the last change it saw,
 * so a node that was cut off catches up when it reconnects (unlike pub/sub, which drops what a blinking
 * node missed). When the feed cannot tell what a node missed (the bounded history was trimmed past it,
 * or the server lost its data), the follower's {@code resync} runs and reloads from the store.
 * The embedded store is one node: {@link LocalChangeFeed} writes and announces nothing.
 */
public interface ChangeFeed {

    /** One change: the key and its new value, or empty for a removal. */
    record Change(String key, Optional<byte[]> value) { }

    /** {@link Store#put} and append the change to {@code feed}, atomically. */
    void put(String feed, String space, String key, byte[] value, Instant expiresAt);

    /**
     * {@link #put} without waiting: the future completes once the write is durable, so that many writes
     * (a bulk import) can share one commit where the store groups them. The default writes at once.
     */
    default java.util.concurrent.CompletableFuture<Void> putAsync(String feed, String space, String key, byte[] value,
                                                               Instant expiresAt) {
        try {
            put(feed, space, key, value, expiresAt);
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return java.util.concurrent.CompletableFuture.failedFuture(e);
        }
    }

    /**
     * {@link #put} only if the store holds nothing under the key, atomically; true when written. For a resync that
     * writes back what the store lost: a value another node wrote meanwhile (newer) is not overwritten. Only a shared
     * store's feed resyncs; the default refuses.
     */
    default boolean putIfAbsent(String feed, String space, String key, byte[] value, Instant expiresAt) {
        throw new UnsupportedOperationException("putIfAbsent on a feed without a shared store");
    }

    /**
     * {@link #put} only if the store still holds {@code expected} under the key (byte for byte; null: nothing),
     * atomically; true when written. A read-merge-write loop on it merges two nodes' writes of one record instead of
     * letting the later write replace the other (revocations). The synchronous form of {@link #putIfUnchangedAsync},
     * with an expiry (one script on Redis), answered once replicas have the write. The default refuses.
     */
    default boolean putIfUnchanged(String feed, String space, String key, byte[] expected, byte[] value,
                                   Instant expiresAt) {
        throw new UnsupportedOperationException("putIfUnchanged on this feed");
    }

    /**
     * {@link #putAsync} (no expiry), or with {@code value} null a removal, only if the store still holds
     * {@code expected} under the key (null: nothing), byte for byte, checked and written in one atomic step on the
     * shared store; the future says whether it was written. How a read-then-write (create, replace, claim, re-key)
     * refuses to overwrite another node's change it has not seen. A feed without a shared store has no other writer:
     * the caller's lock over its own mirror decides, and the default writes.
     */
    default java.util.concurrent.CompletableFuture<Boolean> putIfUnchangedAsync(String feed, String space, String key,
                                                                             byte[] expected, byte[] value) {
        java.util.concurrent.CompletableFuture<Void> written = value == null ? removeAsync(feed, space, key)
                : putAsync(feed, space, key, value, null);
        return written.thenApply(v -> true);
    }

    /** {@link Store#remove} and append the removal to {@code feed}, atomically. */
    void remove(String feed, String space, String key);

    /** {@link #remove} without waiting: the future completes once the removal is durable. The default removes at once. */
    default java.util.concurrent.CompletableFuture<Void> removeAsync(String feed, String space, String key) {
        try {
            remove(feed, space, key);
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return java.util.concurrent.CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Delivers every change appended to {@code feed} from now on (this node's own included) to
     * {@code listener}, in order, on one feed thread; {@code resync} runs on that thread when changes
     * may have been missed. Call before loading the current state, and apply changes idempotently: a
     * change made during the load may be delivered too. Closing the handle stops the delivery.
     */
    AutoCloseable follow(String feed, Consumer<Change> listener, Runnable resync);

    /** True when other nodes share the store (a local miss must be read through from the store). */
    boolean shared();
}
