package io.edgeauth.broker.store;

import java.time.Instant;
import java.util.function.Consumer;

/** The single-node {@link ChangeFeed}: writes go to the store, there is nobody to tell. */
public final class LocalChangeFeed implements ChangeFeed {
    private final Store store;

    public LocalChangeFeed(Store store) {
        this.store = store;
    }

    @Override
    public void put(String feed, String space, String key, byte[] value, Instant expiresAt) {
        store.put(space, key, value, expiresAt);
    }

    @Override
    public java.util.concurrent.CompletableFuture<Void> putAsync(String feed, String space, String key, byte[] value,
                                                              Instant expiresAt) {
        return store.putAsync(space, key, value, expiresAt); // the embedded store's group commit
    }

    /**
     * Atomic against every other {@code putIfUnchanged} on this store (all of them lock the store object): on one node
     * that is every writer of a record merged this way.
     */
    @Override
    public boolean putIfUnchanged(String feed, String space, String key, byte[] expected, byte[] value,
                                  Instant expiresAt) {
        synchronized (store) {
            byte[] current = store.get(space, key).orElse(null);
            if (!java.util.Arrays.equals(current, expected)) {
                return false;
            }
            store.put(space, key, value, expiresAt);
            return true;
        }
    }

    @Override
    public void remove(String feed, String space, String key) {
        store.remove(space, key);
    }

    @Override
    public AutoCloseable follow(String feed, Consumer<Change> listener, Runnable resync) {
        return () -> { };
    }

    @Override
    public boolean shared() {
        return false;
    }
}
