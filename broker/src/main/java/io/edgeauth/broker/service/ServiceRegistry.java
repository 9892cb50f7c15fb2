package io.edgeauth.broker.service;

import io.edgeauth.broker.auth.ServicePrincipals;
import io.edgeauth.broker.store.ChangeFeed;
import io.edgeauth.broker.store.LocalChangeFeed;
import io.edgeauth.broker.store.Store;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The registered service clients on the durable {@link Store}, mirrored in memory so the authentication
 * pipeline looks them up without I/O. As with devices, every change goes through the {@link ChangeFeed}, which
 * keeps each node's mirror current when several nodes share a store, and a service missing from the mirror is
 * read through from the store. Thread-safe.
 */
public final class ServiceRegistry implements ServicePrincipals {
    static final String SPACE = "services";
    static final String FEED = "services";

    private final Store store;
    private final ChangeFeed feed;
    private final Map<String, ServiceClient> services = new ConcurrentHashMap<>();
    private final List<java.util.function.Consumer<ServiceClient>> deleteListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<java.util.function.Consumer<ServiceClient>> deletedElsewhere =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    /** A registry on a store no other node writes to. */
    public ServiceRegistry(Store store) {
        this(store, new LocalChangeFeed(store));
    }

    /** A registry whose changes reach, and arrive from, every node following {@code feed}. */
    public ServiceRegistry(Store store, ChangeFeed feed) {
        this.store = store;
        this.feed = feed;
        synchronized (this) { // changes arriving during the load wait, then apply in order on top of it
            feed.follow(FEED, this::apply, this::reload);
            store.forEach(SPACE, (id, bytes) -> services.put(id, decode(bytes)));
        }
    }

    /** Registers a service unless one has its id; true if registered (durable, and announced, when it returns). */
    public boolean registerIfAbsent(ServiceClient service) {
        return register(service, id -> false) == Registration.REGISTERED;
    }

    /** What {@link #register} did. */
    public enum Registration { REGISTERED, EXISTS, TAKEN_BY_ANOTHER_KIND }

    /**
     * Registers a service unless a service has its id (checked and written atomically on the store, so two nodes
     * never both register one id) or {@code takenByAnotherKind} says a device has it, asked before and again after
     * the write: a device created at the same instant checks services after its own write
     * ({@link io.edgeauth.broker.registry.DeviceCreation}), so at least one of the two sees the other and takes its
     * record back, and service and device ids stay disjoint. Durable, and announced, when it returns.
     */
    public Registration register(ServiceClient service, java.util.function.Predicate<String> takenByAnotherKind) {
        if (takenByAnotherKind.test(service.id())) {
            return Registration.TAKEN_BY_ANOTHER_KIND;
        }
        byte[] record = service.toJson().encode().getBytes(StandardCharsets.UTF_8);
        synchronized (this) {
            if (find(service.id()).isPresent()
                    || !feed.putIfUnchangedAsync(FEED, SPACE, service.id(), null, record).join()) {
                return Registration.EXISTS;
            }
            services.put(service.id(), service);
        }
        if (takenByAnotherKind.test(service.id())) {
            ServiceClient removed = null;
            synchronized (this) {
                if (feed.putIfUnchangedAsync(FEED, SPACE, service.id(), record, null).join()) {
                    removed = services.remove(service.id());
                }
            }
            if (removed != null) {
                ServiceClient gone = removed;
                deleteListeners.forEach(l -> l.accept(gone));
            }
            return Registration.TAKEN_BY_ANOTHER_KIND;
        }
        return Registration.REGISTERED;
    }

    /**
     * The pipeline's view: the mirror only, never a store read (it asks for every subject, devices included). A
     * service registered on another node becomes visible here when the change feed delivers it (milliseconds).
     */
    @Override
    public Optional<ServiceClient> principal(String id) {
        return id == null ? Optional.empty() : Optional.ofNullable(services.get(id));
    }

    /**
     * False only when no service can be registered: none is mirrored here and no other node shares the store (one
     * registered there a moment ago may not be mirrored yet). Lets the token endpoint skip parsing a device's
     * assertion a second time to see whether a service sent it.
     */
    public boolean mayHoldAny() {
        return !services.isEmpty() || feed.shared();
    }

    /** The service with this id; with a shared store, one not mirrored yet is read through from the store. */
    public Optional<ServiceClient> find(String id) {
        if (id == null) {
            return Optional.empty();
        }
        ServiceClient s = services.get(id);
        if (s == null && feed.shared()) {
            // not mirrored yet (registered on another node a moment ago): read it, do not cache it
            s = store.get(SPACE, id).map(ServiceRegistry::decode).orElse(null);
        }
        return Optional.ofNullable(s);
    }

    /** Every registered service, by id. */
    public List<ServiceClient> list() {
        return services.values().stream().sorted(Comparator.comparing(ServiceClient::id)).toList();
    }

    /** Removes a service; true if it existed. The {@link #onDelete} listeners are told after. */
    public boolean delete(String id) {
        ServiceClient removed;
        synchronized (this) {
            removed = find(id).orElse(null);
            if (removed == null) {
                return false;
            }
            feed.remove(FEED, SPACE, id);
            services.remove(id);
        }
        deleteListeners.forEach(l -> l.accept(removed)); // outside the lock, as the device registry's
        return true;
    }

    /**
     * Calls {@code listener} with the record of a service deleted through this registry (on this node, once, by the
     * node that made the deletion), on the deleting thread; must not block.
     */
    public void onDelete(java.util.function.Consumer<ServiceClient> listener) {
        deleteListeners.add(listener);
    }

    public int size() {
        return services.size();
    }

    /**
     * Calls {@code listener} when another node's deletion of a service reaches this node through the feed (on the
     * feed's thread; must not block): with {@link #onDelete}, every node hears of every deletion once.
     */
    public void onDeleteElsewhere(java.util.function.Consumer<ServiceClient> listener) {
        deletedElsewhere.add(listener);
    }

    /**
     * A change from the feed (another node's, or this node's own echo: a deletion made here finds the service gone
     * from the mirror already, and reports nothing).
     */
    private void apply(ChangeFeed.Change change) {
        ServiceClient removed = null;
        synchronized (this) {
            if (change.value().isPresent()) {
                services.put(change.key(), decode(change.value().get()));
            } else {
                removed = services.remove(change.key());
            }
        }
        if (removed != null) {
            ServiceClient gone = removed;
            deletedElsewhere.forEach(l -> l.accept(gone));
        }
    }

    /** Rebuilds the mirror when the feed cannot say what this node missed, and reports deletions made meanwhile. */
    private void reload() {
        Map<String, ServiceClient> old;
        synchronized (this) {
            old = new java.util.HashMap<>(services);
            services.clear();
            store.forEach(SPACE, (id, bytes) -> services.put(id, decode(bytes)));
        }
        old.forEach((id, before) -> {
            if (!services.containsKey(id)) {
                deletedElsewhere.forEach(l -> l.accept(before));
            }
        });
    }

    private static ServiceClient decode(byte[] bytes) {
        return ServiceClient.fromJson(new JsonObject(new String(bytes, StandardCharsets.UTF_8)));
    }
}
