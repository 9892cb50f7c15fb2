package io.edgeauth.broker.store;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * A {@link Store} that hands every call to another: tests override the one call whose timing they need to hold,
 * hook or fail (a race's window, a commit held back).
 */
public abstract class ForwardingStore implements Store {
    protected final Store store;

    protected ForwardingStore(Store store) {
        this.store = store;
    }

    @Override
    public Optional<byte[]> get(String space, String key) {
        return store.get(space, key);
    }

    @Override
    public void put(String space, String key, byte[] value, Instant expiresAt) {
        store.put(space, key, value, expiresAt);
    }

    @Override
    public CompletableFuture<Void> putAsync(String space, String key, byte[] value, Instant expiresAt) {
        return store.putAsync(space, key, value, expiresAt);
    }

    @Override
    public boolean putIfAbsent(String space, String key, byte[] value, Instant expiresAt) {
        return store.putIfAbsent(space, key, value, expiresAt);
    }

    @Override
    public CompletableFuture<Void> putIfAbsentDeferred(String space, String key, byte[] value, Instant expiresAt) {
        return store.putIfAbsentDeferred(space, key, value, expiresAt);
    }

    @Override
    public boolean replaceIf(String space, String key, byte[] expected, byte[] value) {
        return store.replaceIf(space, key, expected, value);
    }

    @Override
    public Optional<byte[]> take(String space, String key) {
        return store.take(space, key);
    }

    @Override
    public boolean remove(String space, String key) {
        return store.remove(space, key);
    }

    @Override
    public void forEach(String space, BiConsumer<String, byte[]> action) {
        store.forEach(space, action);
    }

    @Override
    public long prune(Instant now) {
        return store.prune(now);
    }

    @Override
    public Optional<String> unavailableReason() {
        return store.unavailableReason();
    }

    @Override
    public void close() {
        store.close();
    }
}
