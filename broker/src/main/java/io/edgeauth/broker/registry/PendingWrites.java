package io.edgeauth.broker.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The registrations of this node shown in the mirror before the store said they are durable, per id in the order they
 * were made: what the mirror goes back to when one is refused. Writes refused in any order then leave the mirror on the
 * last record not refused (a refused write's successor goes back to what the refused one would have). Thread-safe;
 * never held while waiting for anything.
 */
final class PendingWrites {
    /** One write not yet settled: its record, and what the mirror showed before it. */
    static final class Write {
        final Device device;
        private Device before; // rewritten when the write it replaced is refused

        private Write(Device device, Device before) {
            this.device = device;
            this.before = before;
        }
    }

    private final Map<String, List<Write>> byId = new HashMap<>();

    /** Call under the registry's lock, with the mirror's record for the id before {@code device} replaces it. */
    synchronized Write add(Device device, Device before) {
        Write w = new Write(device, before);
        byId.computeIfAbsent(device.id(), id -> new ArrayList<>(1)).add(w);
        return w;
    }

    /** The write is durable: nothing to undo. */
    synchronized void durable(Write w) {
        forget(w);
    }

    /**
     * The write was refused: the write that replaced it in the mirror (if still pending) now goes back to what this
     * one would have; returns that record (null: no device), where the mirror goes if it still shows this write.
     */
    synchronized Device refused(Write w) {
        forget(w);
        List<Write> later = byId.get(w.device.id());
        if (later != null) {
            for (Write l : later) {
                if (l.before == w.device) {
                    l.before = w.before;
                }
            }
        }
        return w.before;
    }

    /** Ids with a write not settled (tests). */
    synchronized int size() {
        return byId.size();
    }

    private void forget(Write w) {
        List<Write> writes = byId.get(w.device.id());
        if (writes != null) {
            writes.removeIf(x -> x == w);
            if (writes.isEmpty()) {
                byId.remove(w.device.id());
            }
        }
    }
}
