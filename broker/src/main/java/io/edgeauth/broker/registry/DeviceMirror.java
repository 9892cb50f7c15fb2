package io.edgeauth.broker.registry;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The registry's in-memory copy of the device records, with the owner index a wallet session needs, and the sorted
 * view a listing walks. Reads need no lock; {@link DeviceRegistry} serializes the writes. A replaced record never leaves
 * the map or the owner index it stays in, not even for a moment: a look-up or a listing beside the write finds the old
 * record or the new one.
 *
 * <p>The listing's order comes from a sorted snapshot of the ids, built when a listing asks for it (not kept sorted on
 * every write: sorted indexes kept per write doubled the time of a million-record bulk import). A walk that starts
 * takes a fresh snapshot if anything changed; its later pages reuse it for up to {@link #SNAPSHOT_REUSE_NANOS}, then
 * take a new one. Every snapshot holds every id present while it was taken and pages continue in id order after the
 * cursor, so a record present for the whole walk is listed exactly once, whichever snapshots the pages used.
 */
final class DeviceMirror {
    /** How long the later pages of a walk may use a snapshot that changes have overtaken. */
    static final long SNAPSHOT_REUSE_NANOS = 10_000_000_000L;

    private final Map<String, Device> devices = new ConcurrentHashMap<>();
    private final Map<String, NavigableSet<String>> byOwner = new ConcurrentHashMap<>();
    private final AtomicLong changes = new AtomicLong();
    private final Object snapshotLock = new Object();
    private volatile Snapshot snapshot;

    /** The ids in order as they were at {@code changes}, taken at {@code takenNanos}. */
    private record Snapshot(String[] ids, long changes, long takenNanos) { }

    Device get(String id) {
        return devices.get(id);
    }

    /** Puts {@code device} in place of any record of its id. */
    void replace(Device device) {
        Device old = devices.put(device.id(), device);
        if (old == null) {
            changes.incrementAndGet();
        }
        if (device.owner() != null) {
            index(byOwner, device.owner(), device.id());
        }
        if (old != null && old.owner() != null && !old.owner().equals(device.owner())) {
            unindex(byOwner, old.owner(), old.id()); // what the new record no longer has goes, after what it has came
        }
    }

    void remove(Device d) {
        devices.remove(d.id());
        changes.incrementAndGet();
        if (d.owner() != null) { // an owner left with no device goes (a soak kept one empty set per former owner)
            unindex(byOwner, d.owner(), d.id());
        }
    }

    private static void index(Map<String, NavigableSet<String>> index, String key, String id) {
        index.compute(key, (k, set) -> {
            NavigableSet<String> s = set == null ? new ConcurrentSkipListSet<>() : set;
            s.add(id);
            return s;
        });
    }

    private static void unindex(Map<String, NavigableSet<String>> index, String key, String id) {
        index.computeIfPresent(key, (k, set) -> {
            set.remove(id);
            return set.isEmpty() ? null : set;
        });
    }

    /** Empties the mirror; returns what it held. */
    Map<String, Device> clear() {
        Map<String, Device> old = new HashMap<>(devices);
        devices.clear();
        byOwner.clear();
        changes.incrementAndGet();
        return old;
    }

    /**
     * Up to {@code limit} records whose ids follow {@code after} (null: a walk's first page) in id order ({@link
     * String#compareTo}), of {@code tenant} and {@code owner} when given (null: any); {@code more} if a record follows
     * the page's last. An owner's page walks that owner's sorted ids; any other page the sorted snapshot from
     * {@code after} on (a binary search, then the ids in order: a tenant filter skips the other tenants' ids, so a
     * page of a small tenant may pass many). Weakly consistent: a record present (and of the filters) for the whole
     * walk is listed exactly once; one written or removed meanwhile may or may not be.
     */
    DevicePage page(String tenant, String owner, String after, int limit) {
        Iterable<String> ids;
        if (owner != null) {
            NavigableSet<String> owned = byOwner.get(owner);
            ids = owned == null ? List.of() : after == null ? owned : owned.tailSet(after, false);
        } else {
            String[] sorted = sortedIds(after == null);
            int from = after == null ? 0 : Arrays.binarySearch(sorted, after);
            from = from < 0 ? -from - 1 : after == null ? 0 : from + 1;
            ids = Arrays.asList(sorted).subList(from, sorted.length);
        }
        List<Device> page = new ArrayList<>(Math.min(limit, 1_000));
        for (String id : ids) {
            Device d = devices.get(id);
            if (d == null || tenant != null && !tenant.equals(d.tenant()) || owner != null && !owner.equals(d.owner())) {
                continue; // removed, or of other filters
            }
            if (page.size() == limit) {
                return new DevicePage(page, true);
            }
            page.add(d);
        }
        return new DevicePage(page, false);
    }

    /** The sorted snapshot: a fresh one for a walk's first page if anything changed, else one at most 10 s old. */
    private String[] sortedIds(boolean newWalk) {
        Snapshot s = snapshot;
        if (usable(s, newWalk)) {
            return s.ids();
        }
        synchronized (snapshotLock) { // one sort at a time; a second caller takes the first one's result
            s = snapshot;
            if (usable(s, newWalk)) {
                return s.ids();
            }
            long at = changes.get(); // before the copy: a change during it makes this snapshot stale
            long taken = System.nanoTime();
            // a ConcurrentHashMap traversal beside writes may return a key removed and put again twice (seen in the old
            // table, then in the new one of a resize): a duplicate then made a walk list that id twice
            String[] ids = Arrays.stream(devices.keySet().toArray(new String[0])).sorted().distinct().toArray(String[]::new);
            snapshot = new Snapshot(ids, at, taken);
            return ids;
        }
    }

    private boolean usable(Snapshot s, boolean newWalk) {
        return s != null && (s.changes() == changes.get()
                || !newWalk && System.nanoTime() - s.takenNanos() < SNAPSHOT_REUSE_NANOS);
    }

    Set<String> ownedBy(String owner) {
        Set<String> ids = byOwner.get(owner);
        return ids == null ? Set.of() : Set.copyOf(ids);
    }

    int size() {
        return devices.size();
    }

    int owners() {
        return byOwner.size();
    }
}
