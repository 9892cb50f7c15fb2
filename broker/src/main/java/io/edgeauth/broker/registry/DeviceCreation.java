package io.edgeauth.broker.registry;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Creates a device (an admin's POST, a zero-touch enrolment) so that, even under concurrent registrations on any
 * node, one request creates an id and device and service ids stay disjoint. The record is created atomically
 * ({@link DeviceRegistry#registerIfAbsent}); the other kind is checked after the write, as a service registration
 * checks devices after its own ({@code ServiceRegistry#register}): of two registrations at once, at least one sees the
 * other and takes its record back (both may: then both are refused, and the operator registers one again).
 */
public final class DeviceCreation {
    /** What a create did. */
    public enum Outcome { CREATED, EXISTS, TAKEN_BY_ANOTHER_KIND }

    /** The outcome, and for {@code EXISTS} the record registered first. */
    public record Result(Outcome outcome, Device existing) { }

    private final DeviceRegistry registry;
    private final Predicate<String> takenByAnotherKind;

    /** @param takenByAnotherKind whether a service (or another principal kind) has the id, as every node sees it */
    public DeviceCreation(DeviceRegistry registry, Predicate<String> takenByAnotherKind) {
        this.registry = registry;
        this.takenByAnotherKind = takenByAnotherKind;
    }

    /** Creates {@code device} unless its id is registered (store failures propagate unchecked). */
    public Result create(Device device) {
        return create(device, () -> CompletableFuture.completedFuture(null));
    }

    /**
     * As {@link #create(Device)}, and when this call creates the record, the write {@code alongside} starts as soon as
     * that is decided (before the record is durable, so on the embedded store both share one commit); the call returns
     * once both are durable, and a request that did not create the record never starts it.
     */
    public Result create(Device device, Supplier<CompletableFuture<?>> alongside) {
        DeviceRegistry.Creation creation = registry.createIfAbsent(device);
        Optional<Device> existing;
        try {
            existing = creation.decided().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RecordChangedException) { // created and deleted elsewhere meanwhile
                return new Result(Outcome.EXISTS, device);
            }
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
        if (existing.isPresent()) {
            return new Result(Outcome.EXISTS, existing.get());
        }
        // asked once this node shows the record (the mirror, or the store on a shared one): a service registered at
        // the same instant checks devices after its own write, so one of the two sees the other
        if (takenByAnotherKind.test(device.id())) {
            join(creation.durable());
            registry.removeIfUnchanged(device);
            return new Result(Outcome.TAKEN_BY_ANOTHER_KIND, null);
        }
        CompletableFuture<?> along = alongside.get();
        join(creation.durable());
        join(along);
        return new Result(Outcome.CREATED, null);
    }

    /** A failure unwrapped, as the callers of a synchronous create expect it. */
    private static void join(CompletableFuture<?> durable) {
        try {
            durable.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /**
     * Registers or replaces the device (an admin's PUT) over whatever record any node holds, atomically: the record
     * replaced is the one the store held, so the access-change listeners hear of it (its tokens are revoked) even when
     * another node wrote it a moment ago, and "created" is answered only when nothing was there. Empty when created,
     * else the record replaced. Returns once durable; a create refused for a service's id throws
     * {@link IllegalArgumentException}.
     */
    public Optional<Device> replace(Device device) {
        for (int attempt = 0; ; attempt++) {
            Optional<Device> existing = registry.current(device.id());
            try {
                if (existing.isPresent()) {
                    registry.replaceIfUnchanged(device.createdAs(existing.get()), existing.get()).join();
                    return existing;
                }
                Result created = create(device);
                if (created.outcome() == Outcome.TAKEN_BY_ANOTHER_KIND) {
                    throw new IllegalArgumentException("id: a service registered '" + device.id()
                            + "' meanwhile; service and device ids are disjoint");
                }
                if (created.outcome() == Outcome.CREATED) {
                    return existing;
                }
            } catch (CompletionException e) {
                if (!(e.getCause() instanceof RecordChangedException) || attempt >= 20) {
                    throw e.getCause() instanceof RuntimeException r ? r : e;
                }
            }
            if (attempt >= 20) {
                throw new RecordChangedException(device.id());
            }
        }
    }
}
