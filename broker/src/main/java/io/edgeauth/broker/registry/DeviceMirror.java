package io.edgeauth.broker.registry;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The registry's in-memory copy of the device records, with the owner index a wallet session needs. Reads need no
 * lock; {@link DeviceRegistry} serializes the writes.
 */
final class DeviceMirror {
    private final Map<String, Device> devices = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> byOwner = new ConcurrentHashMap<>();

    Device get(String id) {
        return devices.get(id);
    }

    /** Puts {@code device} in place of any record of its id. */
    void replace(Device device) {
        Device old = devices.get(device.id());
        if (old != null) {
            remove(old);
        }
        devices.put(device.id(), device);
        if (device.owner() != null) {
            byOwner.compute(device.owner(), (o, ids) -> {
                Set<String> owned = ids == null ? ConcurrentHashMap.newKeySet() : ids;
                owned.add(device.id());
                return owned;
            });
        }
    }

    void remove(Device d) {
        devices.remove(d.id());
        if (d.owner() != null) { // an owner left with no device goes (a soak kept one empty set per former owner)
            byOwner.computeIfPresent(d.owner(), (o, ids) -> {
                ids.remove(d.id());
                return ids.isEmpty() ? null : ids;
            });
        }
    }

    /** Empties the mirror; returns what it held. */
    Map<String, Device> clear() {
        Map<String, Device> old = new HashMap<>(devices);
        devices.clear();
        byOwner.clear();
        return old;
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
