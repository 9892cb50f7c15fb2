package io.edgeauth.broker.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * The registry's in-memory copy of the device records, with the owner index a wallet session needs and the sorted id
 * indexes a listing walks (all ids, the ids of each tenant; each owner's ids are kept sorted too). Reads need no lock;
 * {@link DeviceRegistry} serializes the writes. A replaced record never leaves the map or an index it stays in, not
 * even for a moment: a look-up or a listing running beside the write finds the old record or the new one.
 */
final class DeviceMirror {
    private final Map<String, Device> devices = new ConcurrentHashMap<>();
    private final NavigableSet<String> ids = new ConcurrentSkipListSet<>();
    private final Map<String, NavigableSet<String>> byTenant = new ConcurrentHashMap<>();
    private final Map<String, NavigableSet<String>> byOwner = new ConcurrentHashMap<>();

    Device get(String id) {
        return devices.get(id);
    }

    /** Puts {@code device} in place of any record of its id. */
    void replace(Device device) {
        Device old = devices.put(device.id(), device);
        ids.add(device.id());
        index(byTenant, device.tenant(), device.id());
        if (device.owner() != null) {
            index(byOwner, device.owner(), device.id());
        }
        if (old != null) { // what the new record no longer has goes, after what it has came
            if (!old.tenant().equals(device.tenant())) {
                unindex(byTenant, old.tenant(), old.id());
            }
            if (old.owner() != null && !old.owner().equals(device.owner())) {
                unindex(byOwner, old.owner(), old.id());
            }
        }
    }

    void remove(Device d) {
        devices.remove(d.id());
        ids.remove(d.id());
        unindex(byTenant, d.tenant(), d.id());
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
        ids.clear();
        byTenant.clear();
        byOwner.clear();
        return old;
    }

    /**
     * Up to {@code limit} records whose ids follow {@code after} (null: from the first) in id order ({@link
     * String#compareTo}), of {@code tenant} and {@code owner} when given (null: any); {@code more} if a record
     * follows the page's last. Walks the smallest index that covers the filters from {@code after} on: a page costs
     * O(log n + limit), never a scan of the records. Weakly consistent: a record present (and of the filters) for the
     * whole call is on the page unless the page is full before its id; one written or removed meanwhile may or may not.
     */
    DevicePage page(String tenant, String owner, String after, int limit) {
        NavigableSet<String> index = owner != null ? byOwner.get(owner) : tenant != null ? byTenant.get(tenant) : ids;
        List<Device> page = new ArrayList<>(Math.min(limit, 1_000));
        if (index == null) {
            return new DevicePage(page, false);
        }
        for (String id : after == null ? index : index.tailSet(after, false)) {
            Device d = devices.get(id);
            if (d == null || tenant != null && !tenant.equals(d.tenant()) || owner != null && !owner.equals(d.owner())) {
                continue; // removed or changed since the index was read
            }
            if (page.size() == limit) {
                return new DevicePage(page, true);
            }
            page.add(d);
        }
        return new DevicePage(page, false);
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
