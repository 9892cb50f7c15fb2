package io.edgeauth.broker.registry;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.edgeauth.broker.store.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The device registry on the durable {@link Store}, with the whole registry mirrored in memory so the
 * authentication pipeline looks devices up without I/O (a million devices take a few hundred MB; the
 * Redis-backed deployment will swap the mirror for a bounded cache). Keeps an owner index so a wallet
 * session knows its devices. Thread-safe.
 */
public final class DeviceRegistry {
    static final String SPACE = "devices";

    private final Store store;
    private final ObjectMapper json = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private final Map<String, Device> devices = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> byOwner = new ConcurrentHashMap<>();

    public DeviceRegistry(Store store) {
        this.store = store;
        store.forEach(SPACE, (id, bytes) -> index(decode(bytes)));
    }

    /** Registers or replaces a device (already validated by {@link DeviceValidator}); returns once durable. */
    public void register(Device device) {
        await(registerAsync(device));
    }

    /**
     * Registers or replaces a device; the future completes once the record is durable. The device is
     * visible to lookups at once. Many calls in a row share one store commit (bulk import).
     */
    public CompletableFuture<Void> registerAsync(Device device) {
        byte[] record = encode(device);
        synchronized (this) {
            CompletableFuture<Void> durable = store.putAsync(SPACE, device.id(), record, null);
            find(device.id()).ifPresent(this::unindex);
            index(device);
            return durable;
        }
    }

    /**
     * Registers the device only if no device has its id (first use of a provisioned device): empty
     * future result if it was created, else the device already registered. Completes once durable.
     */
    public CompletableFuture<Optional<Device>> registerIfAbsent(Device device) {
        byte[] record = encode(device);
        CompletableFuture<Void> durable;
        synchronized (this) {
            Device existing = devices.get(device.id());
            if (existing != null) {
                return CompletableFuture.completedFuture(Optional.of(existing));
            }
            durable = store.putAsync(SPACE, device.id(), record, null);
            index(device);
        }
        return durable.thenApply(v -> Optional.empty());
    }

    public Optional<Device> find(String id) {
        return Optional.ofNullable(devices.get(id));
    }

    /** Removes a device; true if it existed. */
    public synchronized boolean delete(String id) {
        Device d = devices.get(id);
        if (d == null) {
            return false;
        }
        store.remove(SPACE, id);
        unindex(d);
        return true;
    }

    /** Ids of the devices a wallet DID owns. */
    public Set<String> ownedBy(String owner) {
        Set<String> ids = byOwner.get(owner);
        return ids == null ? Set.of() : Set.copyOf(ids);
    }

    public int size() {
        return devices.size();
    }

    private void index(Device d) {
        devices.put(d.id(), d);
        if (d.owner() != null) {
            byOwner.computeIfAbsent(d.owner(), o -> ConcurrentHashMap.newKeySet()).add(d.id());
        }
    }

    private void unindex(Device d) {
        devices.remove(d.id());
        if (d.owner() != null) {
            Set<String> ids = byOwner.get(d.owner());
            if (ids != null) {
                ids.remove(d.id());
            }
        }
    }

    private static void await(CompletableFuture<?> durable) {
        try {
            durable.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    private byte[] encode(Device d) {
        try {
            return json.writeValueAsBytes(d);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Device decode(byte[] bytes) {
        try {
            return json.readValue(bytes, Device.class);
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt device record in the store", e);
        }
    }
}
