package io.edgeauth.broker.store;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;

/**
 * The embedded {@link Store}: one H2 MVStore file in the data directory, one map per space. Each
 * value is stored with an 8-byte expiry prefix (epoch millis, 0 = none). Mutations are group-committed
 * ({@link GroupCommit}): a mutation is applied to its map at once, and the call returns (or its future
 * completes) only after an MVStore commit that covers it, so the data reaches the OS before the caller
 * answers its client and a killed process loses nothing it acknowledged (a power loss may lose the last
 * writes; MVStore does not fsync each commit). Concurrent writers share one commit. A synchronous
 * mutation blocks its thread for up to two commits: call it off event loops.
 *
 * <p>Failures: a write the file system refuses (disk full, read-only, I/O error) makes MVStore close
 * itself. Every call then throws {@link StoreUnavailableException} (callers answer "unavailable, retry")
 * and {@link #unavailableReason()} says why, until a later call finds the file writable again and the
 * store is reopened from its last commit ({@link StoreReopener}). Nothing a caller was told is durable is
 * lost by that: a change whose commit failed was refused to its caller.
 */
public final class MvStoreStore implements Store {
    /** A map of its own for the write that proves a reopened file takes commits. */
    private static final String PROBE_MAP = "edgeauth.probe";

    private final String fileName;
    private final Clock clock;
    private final Map<String, MVMap<String, byte[]>> maps = new java.util.concurrent.ConcurrentHashMap<>();
    /**
     * Spaces that may hold an entry with an expiry: every map of the file until a prune found none in it, then only
     * those written with one since. A million device records (no expiry) are then not read once a minute to find
     * nothing to prune.
     */
    private final Set<String> expiring = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile int spacesScanned;
    private final GroupCommit commits;
    private final StoreReopener reopener;
    private volatile MVStore store;

    public MvStoreStore(Path file, Clock clock) {
        this(file.toString(), clock);
    }

    /** A store on an H2 file name (tests pass a file system prefix that injects write failures). */
    MvStoreStore(String fileName, Clock clock) {
        this.fileName = fileName;
        this.store = open(fileName);
        this.expiring.addAll(store.getMapNames());
        this.clock = clock;
        this.reopener = new StoreReopener(fileName, java.time.Duration.ofSeconds(1), System::nanoTime);
        this.commits = new GroupCommit(this::commitNow, "edgeauth-store-commit");
    }

    private static MVStore open(String fileName) {
        return open(fileName, false);
    }

    /**
     * Holds the store file's lock, as a running broker holds it, without writing to it (a shared lock, read-only) until
     * closed: for offline tools that write into the data directory (the admin credential). A missing file holds
     * nothing (no broker has run on this directory with the embedded store).
     *
     * @throws IllegalStateException "in use by another broker process" while a broker holds it
     */
    public static AutoCloseable holdLock(Path file) {
        if (!java.nio.file.Files.exists(file)) {
            return () -> { };
        }
        MVStore held = open(file.toString(), true);
        return held::close;
    }

    private static MVStore open(String fileName, boolean readOnly) {
        try {
            MVStore.Builder builder = new MVStore.Builder()
                    .fileName(fileName)
                    .autoCommitDisabled() // we commit after each mutation ourselves
                    .compress();
            return (readOnly ? builder.readOnly() : builder).open();
        } catch (MVStoreException e) {
            if (e.getErrorCode() == org.h2.mvstore.DataUtils.ERROR_FILE_LOCKED) {
                throw new IllegalStateException("the data directory is in use by another broker process ("
                        + fileName + " is locked); stop it or use another dataDir", e);
            }
            throw new IllegalStateException("cannot open the store " + fileName + ": " + e.getMessage(), e);
        }
    }

    private MVMap<String, byte[]> map(String space) {
        MVStore current = usable();
        MVMap<String, byte[]> map = maps.computeIfAbsent(space, current::openMap);
        if (map.getStore() != current) { // opened before a reopen: the old map is closed
            maps.remove(space, map);
            map = maps.computeIfAbsent(space, current::openMap);
        }
        return map;
    }

    /** The open store; reopens one that closed itself after a write failure (at most once a second). */
    private MVStore usable() {
        MVStore current = store;
        if (!current.isClosed()) {
            return current;
        }
        synchronized (reopener) {
            if (store.isClosed() && reopener.due()) {
                try {
                    store = reopenWritable();
                    maps.clear();
                    reopener.reopened();
                } catch (RuntimeException e) {
                    reopener.failed(e);
                }
            }
            current = store;
        }
        if (current.isClosed()) {
            throw new StoreUnavailableException(reopener.describe(current.getPanicException()), null);
        }
        return current;
    }

    /**
     * Opens the file again and proves it takes a commit (opening only reads, so a disk that is still full
     * would look usable until the next write).
     */
    private MVStore reopenWritable() {
        MVStore reopened = open(fileName);
        try {
            reopened.<String, byte[]>openMap(PROBE_MAP).put("reopened", wrap(new byte[0], null));
            reopened.commit();
        } catch (MVStoreException e) {
            reopened.closeImmediately();
            throw new StoreUnavailableException("still not writable: " + StoreReopener.rootCause(e), e);
        }
        if (reopened.isClosed()) {
            throw new StoreUnavailableException("still not writable: "
                    + StoreReopener.rootCause(reopened.getPanicException()), null);
        }
        return reopened;
    }

    /**
     * Empty while the store takes writes. When MVStore closed itself after a failed write, this tries to
     * reopen it (when due), so an idle broker whose readiness is polled recovers too.
     */
    @Override
    public Optional<String> unavailableReason() {
        if (!store.isClosed()) {
            return Optional.empty();
        }
        try {
            usable();
            return Optional.empty();
        } catch (StoreUnavailableException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** Times the store was reopened after a write failure (for metrics and tests). */
    public long reopenCount() {
        return reopener.reopens();
    }

    @Override
    public Optional<byte[]> get(String space, String key) {
        try {
            MVMap<String, byte[]> map = map(space);
            return live(pinned(map, () -> map.get(key)));
        } catch (MVStoreException e) {
            throw unavailable(e);
        }
    }

    @Override
    public void put(String space, String key, byte[] value, Instant expiresAt) {
        await(putAsync(space, key, value, expiresAt));
    }

    @Override
    public CompletableFuture<Void> putAsync(String space, String key, byte[] value, Instant expiresAt) {
        MVStore used;
        try {
            MVMap<String, byte[]> map = map(space);
            used = map.getStore();
            byte[] wrapped = wrap(value, expiresAt);
            pinned(map, () -> map.put(key, wrapped));
            noteExpiry(space, expiresAt); // after the put: a prune that missed the entry finds the space marked again
        } catch (StoreUnavailableException e) {
            return CompletableFuture.failedFuture(e);
        } catch (MVStoreException e) {
            return CompletableFuture.failedFuture(unavailable(e));
        }
        return commits.afterChange().thenRun(() -> stillCurrent(used));
    }

    @Override
    public boolean putIfAbsent(String space, String key, byte[] value, Instant expiresAt) {
        CompletableFuture<Void> written = putIfAbsentDeferred(space, key, value, expiresAt);
        if (written == null) {
            return false;
        }
        await(written);
        return true;
    }

    @Override
    public CompletableFuture<Void> putIfAbsentDeferred(String space, String key, byte[] value, Instant expiresAt) {
        MVStore used;
        try {
            MVMap<String, byte[]> map = map(space);
            used = map.getStore();
            byte[] wrapped = wrap(value, expiresAt);
            synchronized (map) { // an expired entry counts as absent, which MVMap.putIfAbsent cannot express
                byte[] existing = pinned(map, () -> map.get(key));
                if (existing != null && live(existing).isPresent()) {
                    return null;
                }
                pinned(map, () -> map.put(key, wrapped));
            }
            noteExpiry(space, expiresAt);
        } catch (StoreUnavailableException e) {
            return CompletableFuture.failedFuture(e);
        } catch (MVStoreException e) {
            return CompletableFuture.failedFuture(unavailable(e));
        }
        return commits.afterChange().thenRun(() -> stillCurrent(used));
    }

    @Override
    public boolean replaceIf(String space, String key, byte[] expected, byte[] value) {
        MVStore used;
        try {
            MVMap<String, byte[]> map = map(space);
            used = map.getStore();
            synchronized (map) { // as putIfAbsent: the check and the write under one lock
                byte[] current = live(pinned(map, () -> map.get(key))).orElse(null);
                if (!java.util.Arrays.equals(current, expected)) {
                    return false;
                }
                pinned(map, () -> map.put(key, wrap(value, null)));
            }
        } catch (MVStoreException e) {
            throw unavailable(e);
        }
        commit(used);
        return true;
    }

    @Override
    public Optional<byte[]> take(String space, String key) {
        return live(removeDurably(space, key));
    }

    @Override
    public boolean remove(String space, String key) {
        return live(removeDurably(space, key)).isPresent();
    }

    /** The removed value (null if none) once its removal is committed. */
    private byte[] removeDurably(String space, String key) {
        MVStore used;
        byte[] removed;
        try {
            MVMap<String, byte[]> map = map(space);
            used = map.getStore();
            removed = pinned(map, () -> map.remove(key));
        } catch (MVStoreException e) {
            throw unavailable(e);
        }
        if (removed != null) {
            commit(used);
        }
        return removed;
    }

    @Override
    public void forEach(String space, BiConsumer<String, byte[]> action) {
        try {
            MVMap<String, byte[]> map = map(space);
            pinned(map, () -> {
                for (Map.Entry<String, byte[]> e : map.entrySet()) {
                    live(e.getValue()).ifPresent(v -> action.accept(e.getKey(), v));
                }
                return null;
            });
        } catch (MVStoreException e) {
            throw unavailable(e);
        }
    }

    @Override
    public long prune(Instant now) {
        try {
            return pruneExpired(now);
        } catch (MVStoreException e) {
            throw unavailable(e);
        }
    }

    private long pruneExpired(Instant now) {
        long pruned = 0;
        int scanned = 0;
        MVStore used = usable();
        for (String name : used.getMapNames()) {
            // taken out before the scan: a write with an expiry during it puts the space back for the next prune
            if (!expiring.remove(name)) {
                continue;
            }
            scanned++;
            MVMap<String, byte[]> map = map(name);
            pruned += pinned(map, () -> {
                List<Map.Entry<String, byte[]>> dead = new ArrayList<>();
                boolean expiryLeft = false;
                for (Map.Entry<String, byte[]> e : map.entrySet()) {
                    long exp = ByteBuffer.wrap(e.getValue(), 0, 8).getLong();
                    if (exp != 0 && exp <= now.toEpochMilli()) {
                        dead.add(Map.entry(e.getKey(), e.getValue()));
                    } else if (exp != 0) {
                        expiryLeft = true;
                    }
                }
                if (expiryLeft) {
                    expiring.add(name);
                }
                // only the expired value: a write since the scan (the key taken again once absent) stays
                return dead.stream().filter(e -> map.remove(e.getKey(), e.getValue())).count();
            });
        }
        spacesScanned = scanned;
        if (pruned > 0) {
            commit(used);
        }
        compactIfSparse(used);
        return pruned;
    }

    /**
     * Rewrites the file's sparse chunks and gives back its free space once less than {@link #COMPACT_BELOW_FILL_RATE}
     * percent of it is live. MVStore does this in its background thread, which this store turns off (its commits are
     * the group committer's), so nothing did: a soak saw the file grow from 16 MB to 187 MB in a minute of registrations
     * and deletions (every chunk written within the 45 s retention lives together) and keep that size for good. Runs
     * from the periodic prune, off the event loops; writers wait at most {@link #COMPACT_MILLIS} for it.
     */
    private void compactIfSparse(MVStore used) {
        // the chunks' live share: the file's own fill rate counts dead chunks as used until they are freed
        if (used.getFileStore().getChunksFillRate() >= COMPACT_BELOW_FILL_RATE) {
            return;
        }
        int retention = used.getRetentionTime();
        try {
            used.compactFile(COMPACT_MILLIS); // frees dead chunks at once, but none a pinned read may still need
        } finally {
            used.setRetentionTime(retention); // compactFile drops it to 0 for good
        }
    }

    /** Live share of the file (percent) below which {@link #prune} compacts it. */
    static final int COMPACT_BELOW_FILL_RATE = 50;
    /** Longest one compaction may take. */
    static final int COMPACT_MILLIS = 200;

    /** The file's size in bytes (tests, the soak). */
    long fileSize() {
        return usable().getFileStore().size();
    }

    /** Spaces the last {@link #prune} read (tests: a space without expiring entries is not read again). */
    int spacesScannedByLastPrune() {
        return spacesScanned;
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
        MVStore current = store;
        if (!current.isClosed()) {
            current.close();
        }
    }

    /** The committer's step: a failure (MVStore closes itself on a failed write) becomes "unavailable". */
    private void commitNow() {
        MVStore current = store;
        try {
            current.commit();
        } catch (MVStoreException e) {
            throw unavailable(e);
        }
        if (current.isClosed()) { // closed by a failure while this batch was applied: not committed
            throw new StoreUnavailableException(reopener.describe(current.getPanicException()), null);
        }
    }

    private void noteExpiry(String space, Instant expiresAt) {
        if (expiresAt != null) {
            expiring.add(space);
        }
    }

    private StoreUnavailableException unavailable(MVStoreException e) {
        return new StoreUnavailableException("the embedded store cannot write: " + StoreReopener.rootCause(e), e);
    }

    /**
     * Runs {@code operation} on {@code map} with the store's current version registered as in use, so that no chunk
     * it may read is freed meanwhile. MVStore's reads take no lock: without this, a chunk that a commit made dead was
     * freed after MVStore's 5-version margin, or at once while {@link #compactIfSparse} ran (it sets the retention
     * time to 0), and a concurrent read or write failed with "Chunk N not found" (seen in a loaded million-record
     * import; {@code MvStoreConcurrencyTest} fails within a second without it).
     */
    private static <T> T pinned(MVMap<String, byte[]> map, java.util.function.Supplier<T> operation) {
        MVStore used = map.getStore();
        MVStore.TxCounter pin = used.registerVersionUsage();
        try {
            return operation.get();
        } finally {
            used.deregisterVersionUsage(pin);
        }
    }

    /** Waits until the mutations this thread made to {@code used} are committed. */
    private void commit(MVStore used) {
        await(commits.afterChange());
        stillCurrent(used);
    }

    /**
     * A change applied to a store that was replaced since (it closed itself and was reopened) was not
     * committed by the commit that covered it, whatever that commit says: refuse it.
     */
    private void stillCurrent(MVStore used) {
        if (used != store) {
            throw new StoreUnavailableException("the embedded store was reopened after a write failure; "
                    + "this change was not kept", null);
        }
    }

    private static void await(CompletableFuture<Void> committed) {
        try {
            committed.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof StoreUnavailableException u) {
                throw new StoreUnavailableException(u.getMessage(), u);
            }
            throw new StoreUnavailableException("store commit failed: " + e.getCause().getMessage(), e.getCause());
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
