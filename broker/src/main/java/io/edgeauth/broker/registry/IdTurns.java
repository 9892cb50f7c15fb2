package io.edgeauth.broker.registry;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * One change of a device id at a time, its audit event included: a change (a DELETE, an import line, a POST or PUT)
 * starts once the previous change of the same id has recorded its event, so that the audit trail names each id's
 * changes in the order they were made (docs/audit.md), also when one audits after an asynchronous commit and the
 * other after a slow revocation. Different ids go on in parallel. Waiting blocks the caller: call it off event loops.
 */
public final class IdTurns {
    private final Map<String, CompletableFuture<Void>> busy = new ConcurrentHashMap<>();

    /**
     * Runs {@code change} once no earlier change of {@code id} is in progress; the id stays taken until the future
     * {@code change} returns (its write and its audit event) completes, however it completes.
     */
    public <T> CompletableFuture<T> run(String id, Supplier<CompletableFuture<T>> change) {
        CompletableFuture<Void> mine = new CompletableFuture<>();
        for (CompletableFuture<Void> previous; (previous = busy.putIfAbsent(id, mine)) != null; ) {
            previous.join(); // completes normally whatever the previous change's outcome
        }
        CompletableFuture<T> done;
        try {
            done = change.get();
        } catch (RuntimeException | Error e) {
            release(id, mine);
            throw e;
        }
        if (done == null) {
            release(id, mine);
            return null;
        }
        return done.whenComplete((v, e) -> release(id, mine));
    }

    private void release(String id, CompletableFuture<Void> mine) {
        busy.remove(id, mine);
        mine.complete(null);
    }
}
