package io.edgeauth.broker.registry;

import io.edgeauth.broker.store.ChangeFeed;
import io.edgeauth.broker.store.LocalChangeFeed;
import io.edgeauth.broker.store.Store;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device registry on the durable {@link Store}, with the whole registry mirrored in memory so the
 * authentication pipeline looks devices up without I/O (a million devices take a few hundred MB). Keeps
 * an owner index so a wallet session knows its devices. With a shared store (several nodes) every
 * change goes through the {@link ChangeFeed}, which keeps each node's mirror current, and a device
 * missing from the mirror is read through from the store (registered on another node a moment ago).
 * A registration is mirrored before its write is durable and taken back if the store refuses it
 * ({@code PendingWrites}). Thread-safe.
 */
public final class DeviceRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceRegistry.class);
    /** Undoes refused registrations, one at a time; its thread goes when idle. */
    private static final Executor UNDO = new ThreadPoolExecutor(0, 1, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
            r -> {
                Thread t = new Thread(r, "edgeauth-registry-undo");
                t.setDaemon(true);
                return t;
            });
    /**
     * Store reads off the store's own threads (a Redis I/O thread, the committer). Not the JVM's common pool: where its
     * workers are all busy with long tasks (an application embedding the broker; the simulator's tests on JDK 25, whose
     * 2-core common pool ran both runs) a create's continuation waited behind them and every registration hung.
     */
    private static final Executor CHECKS = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "edgeauth-registry-check");
        t.setDaemon(true);
        return t;
    });
    static final String SPACE = "devices";
    static final String FEED = "devices";

    private final Store store;
    private final ChangeFeed feed;
    private final DeviceMirror devices = new DeviceMirror();
    private final List<Consumer<AccessChange>> accessListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<Device>> deleteListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<Device>> deletedElsewhere = new CopyOnWriteArrayList<>();
    private final List<Consumer<AccessChange>> changedElsewhere = new CopyOnWriteArrayList<>();
    private final PendingWrites pending = new PendingWrites();
    private final IdTurns turns = new IdTurns();
    /** Devices per tenant as loaded at start (start-up names tenants the config no longer has). */
    private final Map<String, Integer> loadedByTenant = new java.util.TreeMap<>();

    /**
     * A replaced record that changes what the device's sessions may do (see {@link Device#accessChangesTo}).
     *
     * @param changed the names of the fields that changed
     */
    public record AccessChange(Device before, Device after, Set<String> changed) { }

    /** A registry on a store no other node writes to. */
    public DeviceRegistry(Store store) {
        this(store, new LocalChangeFeed(store));
    }

    /** A registry whose changes reach, and arrive from, every node following {@code feed}. */
    public DeviceRegistry(Store store, ChangeFeed feed) {
        this.store = store;
        this.feed = feed;
        synchronized (this) { // changes arriving during the load wait, then apply in order on top of it
            feed.follow(FEED, this::apply, this::reload);
            store.forEach(SPACE, (id, bytes) -> {
                Device d = decode(bytes);
                devices.replace(d);
                loadedByTenant.merge(d.tenant(), 1, Integer::sum);
            });
        }
    }

    /** How many devices each tenant had when this registry loaded the store (a snapshot: later changes not counted). */
    public synchronized Map<String, Integer> loadedByTenant() {
        return Map.copyOf(loadedByTenant);
    }

    /** Registers or replaces a device (already validated by {@link DeviceValidator}); returns once durable. */
    public void register(Device device) {
        await(registerAsync(device));
    }

    /**
     * Registers or replaces a device; the future completes once the record is durable (and, with a shared
     * store, announced to every node). The device is visible to lookups here at once; if the store refuses the write,
     * the record it replaced (none: no device) is back before the future fails, unless a newer change replaced it
     * meanwhile, and the {@link #onAccessChange}/{@link #onDelete} listeners hear of that undo. Many calls in a row
     * share one store commit on the embedded store (bulk import).
     */
    public CompletableFuture<Void> registerAsync(Device device) {
        return write(device, null, Mode.ANY);
    }

    /**
     * As {@link #registerAsync(Device)}, only if the record this node holds for the id is still {@code expected}
     * (null: none), the very object a look-up answered; else null and nothing is written. Two imports of the same id
     * on this node then tell "created" from "updated" truly (both said "created").
     */
    public CompletableFuture<Void> replaceAsync(Device device, Device expected) {
        return write(device, expected, Mode.MIRRORED);
    }

    /**
     * As {@link #replaceAsync}, checked against the store, atomically across nodes: written only if the stored record
     * still equals {@code expected} (null: none), else the future fails with {@link RecordChangedException} and nothing
     * stays written. Every read-then-write (a PUT, a claim, a re-key) goes through here: no change made meanwhile on
     * any node is silently overwritten.
     */
    public CompletableFuture<Void> replaceIfUnchanged(Device device, Device expected) {
        return write(device, expected, Mode.STORED);
    }

    /** How a write is conditioned: not at all, on this node's mirror, or on the stored record (all nodes). */
    private enum Mode { ANY, MIRRORED, STORED }

    private CompletableFuture<Void> write(Device device, Device expected, Mode mode) {
        byte[] record = encode(device);
        Device before;
        CompletableFuture<Void> durable;
        PendingWrites.Write write;
        synchronized (this) {
            before = devices.get(device.id());
            if (mode == Mode.MIRRORED && before != expected) {
                return null;
            }
            // with other nodes the store's check judges (this node's mirror may lag behind it); alone, this node's
            // mirror is the store's latest word
            if (mode == Mode.STORED && !feed.shared() && !java.util.Objects.equals(before, expected)) {
                return CompletableFuture.failedFuture(new RecordChangedException(device.id()));
            }
            durable = mode == Mode.STORED ? putIfUnchanged(device.id(), expected, record)
                    : feed.putAsync(FEED, SPACE, device.id(), record, null);
            if (durable.isCompletedExceptionally()) {
                return durable; // refused at once (the store is down, or changed): nothing shown, nothing to undo
            }
            write = pending.add(device, before);
            devices.replace(device);
        }
        // the undo is armed before the listeners run: one may throw (a revocation on the same full disk), and the
        // refused record must not stay; it waits for them, so they hear of the change before its undo
        CompletableFuture<Void> told = new CompletableFuture<>();
        CompletableFuture<Void> settled = settled(write, durable, told);
        RuntimeException listenerFailed = null;
        // a conditional write replaced what the store held, which this node may not have mirrored yet
        Device replaced = mode == Mode.STORED && expected != null ? expected : before;
        try {
            if (replaced != null) {
                tell(replaced, device, accessListeners);
            }
        } catch (RuntimeException e) {
            listenerFailed = e;
        } finally {
            told.complete(null);
        }
        if (listenerFailed != null) { // the caller hears of it once the write is settled (undone if refused)
            RuntimeException failure = listenerFailed;
            return settled.handle((v, e) -> {
                throw failure;
            });
        }
        return settled;
    }

    /**
     * {@code durable}, completing only once a refused write is undone, so that a caller answered "refused" finds the
     * record gone (a 503 then GET found the refused device, and a retry was told it exists).
     */
    private CompletableFuture<Void> settled(PendingWrites.Write write, CompletableFuture<Void> durable,
                                            CompletableFuture<Void> told) {
        CompletableFuture<Void> settled = new CompletableFuture<>();
        durable.whenComplete((ok, failure) -> {
            if (failure == null) {
                pending.durable(write);
                settled.complete(null);
                return;
            }
            // not on the thread that failed the write (the store's committer, a Redis I/O thread): the undo takes this
            // registry's lock, which a deletion holds while it waits for that committer, and its listeners write
            told.whenCompleteAsync((x, y) -> {
                try {
                    undo(write);
                } catch (RuntimeException e) {
                    LOG.warn("telling the listeners of the undone registration of '{}' failed", write.device.id(), e);
                } finally {
                    settled.completeExceptionally(failure);
                }
            }, UNDO);
        });
        return settled;
    }

    /**
     * The store refused {@code write}: if the mirror still shows it (no newer record, deletion or feed change replaced
     * it), the mirror goes back to the last record not refused, and the listeners hear of that change as of any other:
     * sessions admitted under the refused record in the meantime end (a replaced record's going back is an access
     * change, whose re-evaluation also revokes the device's tokens; a refused new device is a deletion to them).
     */
    private void undo(PendingWrites.Write write) {
        Device refused = write.device;
        Device restored;
        synchronized (this) {
            restored = pending.refused(write);
            if (devices.get(refused.id()) != refused) {
                return;
            }
            if (restored == null) {
                devices.remove(refused);
            } else {
                devices.replace(restored);
            }
        }
        if (restored == null) {
            deleteListeners.forEach(l -> l.accept(refused));
            return;
        }
        tell(refused, restored, accessListeners);
    }

    /**
     * Calls {@code listener} when a record replaced through this registry (on this node: each change is
     * reported once, by the node that made it) changes what the device's sessions may do. Called on the
     * registering thread after the change is visible; must not block.
     */
    public void onAccessChange(Consumer<AccessChange> listener) {
        accessListeners.add(listener);
    }

    /**
     * Registers the device only if no device has its id, on any node (first use of a provisioned device, an admin's
     * create): empty future result if it was created, else the device registered first. Completes once durable. The
     * store decides atomically (Redis: one script checks and writes), so of two nodes creating one id at the same
     * instant one creates and the other is answered with the winner's record. The id is reserved here at once: a
     * concurrent call on this node is answered with this record while its write is pending; a refused write is undone
     * as {@link #registerAsync(Device)} says.
     */
    public CompletableFuture<Optional<Device>> registerIfAbsent(Device device) {
        return createIfAbsent(device).durable();
    }

    /**
     * A create's two moments: {@code decided} completes once it is known whether this call creates the record (empty)
     * or another did (its record), {@code durable} as {@link #registerIfAbsent}. Alone, this node's mirror decides at
     * once, so a write that belongs with the new record (a provisioning mark) can join its commit; with other nodes
     * the store decides, and both complete together.
     */
    public record Creation(CompletableFuture<Optional<Device>> decided, CompletableFuture<Optional<Device>> durable) { }

    /** {@link #registerIfAbsent}, telling apart when the create was decided and when it is durable. */
    public Creation createIfAbsent(Device device) {
        byte[] record = encode(device);
        CompletableFuture<Void> durable;
        PendingWrites.Write write = null;
        synchronized (this) { // the id is reserved here: a second caller finds this record, refused or not yet
            Device existing = find(device.id()).orElse(null);
            if (existing != null) {
                CompletableFuture<Optional<Device>> lost = CompletableFuture.completedFuture(Optional.of(existing));
                return new Creation(lost, lost);
            }
            durable = putIfUnchanged(device.id(), null, record);
            if (!durable.isCompletedExceptionally()) {
                write = pending.add(device, null);
                devices.replace(device);
            }
        }
        if (write == null) {
            // refused at once: the store is down, or (with other nodes) its check has already found another node's
            // record, which a fast answer can decide before this line: that is a lost race, answered with the
            // winner's record as below, not an error (CrossNodeCreateTest failed so once, on JDK 25); the winner is
            // read from the store, so outside the lock
            CompletableFuture<Optional<Device>> refused = durable.handle((v, failure) -> raced(device.id(), failure));
            return new Creation(refused, refused);
        }
        CompletableFuture<Optional<Device>> settled = settled(write, durable, CompletableFuture.completedFuture(null))
                .handle((created, failure) -> failure == null ? Optional.<Device>empty() : raced(device.id(), failure));
        return new Creation(feed.shared() ? settled : CompletableFuture.completedFuture(Optional.empty()), settled);
    }

    /** The record that won the race a create lost (from the store: the feed may not have brought it yet). */
    private Optional<Device> raced(String id, Throwable failure) {
        Throwable cause = failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure;
        if (!(cause instanceof RecordChangedException)) {
            throw failure instanceof CompletionException c ? c : new CompletionException(cause);
        }
        Optional<Device> winner = current(id);
        if (winner.isEmpty()) { // created and deleted again meanwhile: the caller may try again
            throw new CompletionException(cause);
        }
        return winner;
    }

    /**
     * The write as one atomic check-and-write on a shared store, failing with {@link RecordChangedException} unless it
     * holds {@code expected} (a record another build encoded differently but equal in content counts as unchanged).
     */
    private CompletableFuture<Void> putIfUnchanged(String id, Device expected, byte[] record) {
        byte[] seen = expected == null ? null : encode(expected);
        return feed.putIfUnchangedAsync(FEED, SPACE, id, seen, record).thenComposeAsync(written -> {
            if (written) {
                return CompletableFuture.completedFuture(null);
            }
            byte[] stored = expected == null ? null : store.get(SPACE, id).orElse(null);
            if (stored != null && expected.equals(decode(stored))) {
                return feed.putIfUnchangedAsync(FEED, SPACE, id, stored, record).thenApply(again -> {
                    if (!again) {
                        throw new CompletionException(new RecordChangedException(id));
                    }
                    return null;
                });
            }
            throw new CompletionException(new RecordChangedException(id));
        }, CHECKS);
    }

    /**
     * The record as the store holds it now when other nodes share it (this node's mirror may not have another node's
     * change yet), else this node's record: for a check that must see every node's latest write (token issuance).
     */
    public Optional<Device> current(String id) {
        if (!feed.shared() || id == null) {
            return Optional.ofNullable(devices.get(id));
        }
        return store.get(SPACE, id).map(DeviceCodec::decode);
    }

    /** The turns every change of a device takes with its audit event, in the order the changes are made. */
    public IdTurns turns() { return turns; }

    public Optional<Device> find(String id) {
        Device d = devices.get(id);
        if (d == null && feed.shared() && id != null) {
            // not mirrored yet: the feed brings it in a moment; read it, do not cache it (a removal
            // applied meanwhile must not be undone)
            d = store.get(SPACE, id).map(DeviceCodec::decode).orElse(null);
        }
        return Optional.ofNullable(d);
    }

    /** Removes a device; true if it existed. */
    public boolean delete(String id) {
        Device d;
        synchronized (this) {
            d = find(id).orElse(null);
            if (d == null) {
                return false;
            }
            feed.remove(FEED, SPACE, id);
            devices.remove(d);
        }
        deleteListeners.forEach(l -> l.accept(d)); // outside the lock, as access changes
        return true;
    }

    /**
     * Removes the device only if its record is still {@code expected} (atomically, on every node): a create taking
     * itself back never removes a record another request wrote meanwhile. True if removed; the {@link #onDelete}
     * listeners are told as for {@link #delete}.
     */
    public boolean removeIfUnchanged(Device expected) {
        synchronized (this) {
            Device before = devices.get(expected.id());
            if (!feed.shared() && !expected.equals(before)) {
                return false;
            }
            if (!feed.putIfUnchangedAsync(FEED, SPACE, expected.id(), encode(expected), null).join()) {
                return false;
            }
            if (before != null) {
                devices.remove(before);
            }
        }
        deleteListeners.forEach(l -> l.accept(expected));
        return true;
    }

    /**
     * Calls {@code listener} with the record of a device deleted through this registry (on this node: each
     * deletion is reported once, by the node that made it). Called on the deleting thread; must not block.
     */
    public void onDelete(Consumer<Device> listener) {
        deleteListeners.add(listener);
    }

    /**
     * Calls the listeners when another node's deletion ({@code deleted}) or access change ({@code changed}) of a
     * device reaches this node through the feed, on the feed's thread; must not block. With the {@link #onDelete} and
     * {@link #onAccessChange} listeners of this node, every node hears of every change once: what only each node can
     * do for itself (its own sessions) listens to both.
     */
    public void onChangeElsewhere(Consumer<Device> deleted, Consumer<AccessChange> changed) {
        deletedElsewhere.add(deleted);
        changedElsewhere.add(changed);
    }

    /**
     * A change from the feed (another node's, or this node's own echo). The echo of this node's own change finds the
     * mirror already changed (the change applied it under the lock the feed waits for), so it reports nothing.
     */
    private void apply(ChangeFeed.Change change) {
        Device before;
        Device after = null;
        synchronized (this) {
            before = devices.get(change.key());
            if (change.value().isPresent()) {
                after = decode(change.value().get());
                devices.replace(after);
            } else if (before != null) {
                devices.remove(before);
            }
        }
        changedElsewhere(before, after);
    }

    /** Rebuilds the mirror when the feed cannot say what this node missed, and reports what changed meanwhile. */
    private void reload() {
        Map<String, Device> old;
        synchronized (this) {
            old = devices.clear();
            store.forEach(SPACE, (id, bytes) -> devices.replace(decode(bytes)));
        }
        old.forEach((id, before) -> changedElsewhere(before, devices.get(id)));
    }

    private void changedElsewhere(Device before, Device after) {
        if (before == null) {
            return; // a new device, or the echo of this node's own deletion
        }
        if (after == null) {
            deletedElsewhere.forEach(l -> l.accept(before));
            return;
        }
        tell(before, after, changedElsewhere);
    }

    /** Tells {@code listeners} what replacing {@code before} by {@code after} changes for the device's sessions, if anything. */
    private static void tell(Device before, Device after, List<Consumer<AccessChange>> listeners) {
        Set<String> changed = before.accessChangesTo(after);
        if (!changed.isEmpty()) {
            AccessChange change = new AccessChange(before, after, changed);
            listeners.forEach(l -> l.accept(change));
        }
    }

    /** Ids of the devices a wallet DID owns. */
    public Set<String> ownedBy(String owner) {
        return devices.ownedBy(owner);
    }

    /**
     * Up to {@code limit} of the records this node holds, in id order, after {@code after} (null: from the first), of
     * {@code tenant} and {@code owner} when given; O(log n + limit) on the mirror's sorted indexes. With a shared store
     * another node's change shows once the feed brought it; a registration not yet durable shows, as to {@link #find}.
     */
    public DevicePage list(String tenant, String owner, String after, int limit) {
        return devices.page(tenant, owner, after, limit);
    }

    public int size() {
        return devices.size();
    }

    /** Owners with at least one device (tests: an owner left with none is not kept). */
    int ownersIndexed() {
        return devices.owners();
    }

    private static void await(CompletableFuture<?> durable) {
        try {
            durable.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    private static byte[] encode(Device d) {
        return DeviceCodec.encode(d);
    }

    private static Device decode(byte[] bytes) {
        return DeviceCodec.decode(bytes);
    }
}
