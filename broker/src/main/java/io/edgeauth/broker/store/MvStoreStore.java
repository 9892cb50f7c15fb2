package io.edgeauth.broker.store;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * The embedded {@link Store}: one H2 MVStore file in the data directory, one map per space. Each
 * value is stored with an 8-byte expiry prefix (epoch millis, 0 = none). Mutations are group-committed
 * ({@link GroupCommit}): a mutation is applied to its map at once, and the call returns (or its future
 * completes) only after an MVStore commit that covers it, so the data reaches the OS before the caller
 * answers its client and a killed process loses nothing it acknowledged (a power loss may lose the last
 * writes; MVStore does not fsync each commit). Concurrent writers share one commit. A synchronous
 * mutation blocks its thread for up to two commits: call it off event loops.
 */
public final class MvStoreStore implements Store {
    private final MVStore store;
    private final Clock clock;
    private final Map<String, MVMap<String, byte[]>> maps = new java.util.concurrent.ConcurrentHashMap<>();
    private final GroupCommit commits;

    public MvStoreStore(Path file, Clock clock) {
        try {
            this.store = new MVStore.Builder()
                    .fileName(file.toString())
                    .autoCommitDisabled() // we commit after each mutation ourselves
                    .compress()
                    .open();
        } catch (org.h2.mvstore.MVStoreException e) {
            if (e.getErrorCode() == org.h2.mvstore.DataUtils.ERROR_FILE_LOCKED) {
                throw new IllegalStateException("the data directory is in use by another broker process ("
                        + file + " is locked); stop it or use another dataDir", e);
            }
            throw new IllegalStateException("cannot open the store " + file + ": " + e.getMessage(), e);
        }
        this.clock = clock;
        this.commits = new GroupCommit(store::commit, "edgeauth-store-commit");
    }

    private MVMap<String, byte[]> map(String space) {
        return maps.computeIfAbsent(space, s -> store.openMap(s));
    }

    @Override
    public Optional<byte[]> get(String space, String key) {
        return live(map(space).get(key));
    }

    @Override
    public void put(String space, String key, byte[] value, Instant expiresAt) {
        await(putAsync(space, key, value, expiresAt));
    }

    @Override
    public CompletableFuture<Void> putAsync(String space, String key, byte[] value, Instant expiresAt) {
        map(space).put(key, wrap(value, expiresAt));
        return commits.afterChange();
    }

    @Override
    public boolean putIfAbsent(String space, String key, byte[] value, Instant expiresAt) {
        MVMap<String, byte[]> map = map(space);
        byte[] wrapped = wrap(value, expiresAt);
        synchronized (map) { // an expired entry counts as absent, which MVMap.putIfAbsent cannot express
            byte[] existing = map.get(key);
            if (existing != null && live(existing).isPresent()) {
                return false;
            }
            map.put(key, wrapped);
        }
        commit();
        return true;
    }

    @Override
    public Optional<byte[]> take(String space, String key) {
        byte[] removed = map(space).remove(key);
        if (removed != null) {
            commit();
        }
        return live(removed);
    }

    @Override
    public boolean remove(String space, String key) {
        byte[] removed = map(space).remove(key);
        if (removed != null) {
            commit();
        }
        return live(removed).isPresent();
    }

    @Override
    public void forEach(String space, BiConsumer<String, byte[]> action) {
        for (Map.Entry<String, byte[]> e : map(space).entrySet()) {
            live(e.getValue()).ifPresent(v -> action.accept(e.getKey(), v));
        }
    }

    @Override
    public long prune(Instant now) {
        long pruned = 0;
        for (String name : store.getMapNames()) {
            MVMap<String, byte[]> map = map(name);
            List<String> dead = new ArrayList<>();
            for (Map.Entry<String, byte[]> e : map.entrySet()) {
                long exp = ByteBuffer.wrap(e.getValue(), 0, 8).getLong();
                if (exp != 0 && exp <= now.toEpochMilli()) {
                    dead.add(e.getKey());
                }
            }
            dead.forEach(map::remove);
            pruned += dead.size();
        }
        if (pruned > 0) {
            commit();
        }
        return pruned;
    }

    /** MVStore commits so far: one per batch of concurrent mutations, not one per mutation. */
    public long commitCount() {
        return commits.commits();
    }

    /** Mutations so far. */
    public long mutationCount() {
        return commits.changes();
    }

    @Override
    public void close() {
        commits.close();
        if (!store.isClosed()) {
            store.close();
        }
    }

    /** Waits until the mutations made so far by this thread are committed. */
    private void commit() {
        await(commits.afterChange());
    }

    private static void await(CompletableFuture<Void> committed) {
        try {
            committed.join();
        } catch (CompletionException e) {
            throw new IllegalStateException("store commit failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private static byte[] wrap(byte[] value, Instant expiresAt) {
        return ByteBuffer.allocate(8 + value.length)
                .putLong(expiresAt == null ? 0 : Math.max(1, expiresAt.toEpochMilli()))
                .put(value)
                .array();
    }

    private Optional<byte[]> live(byte[] wrapped) {
        if (wrapped == null) {
            return Optional.empty();
        }
        long exp = ByteBuffer.wrap(wrapped, 0, 8).getLong();
        if (exp != 0 && exp <= clock.millis()) {
            return Optional.empty();
        }
        byte[] value = new byte[wrapped.length - 8];
        System.arraycopy(wrapped, 8, value, 0, value.length);
        return Optional.of(value);
    }
}
