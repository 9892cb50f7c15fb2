package io.edgeauth.broker.mqtt;

import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code mqtt.maxSessionsPerPrincipal} on this node, counted twice: the connections a principal holds open
 * ({@link #take}), and the sessions it holds, connected or waiting offline for their client ({@link #reserve}). Before,
 * only connections counted: one wallet made twelve persistent sessions under a bound of four by disconnecting each,
 * every one taking its own copy of every message it matched for an hour (red-team tour T7). Keys are
 * {@code tenant \0 principal}. Thread-safe.
 */
final class SessionSlots {
    private final int max;
    private final ConcurrentHashMap<String, Integer> connections = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Integer> sessions = new ConcurrentHashMap<>();

    SessionSlots(int max) {
        this.max = max;
    }

    /**
     * Takes one of the principal's connection slots; false if it holds the maximum already. {@code replacing}: the
     * connection takes over one of the principal's own sessions, whose slot is freed when the old one closes.
     */
    boolean take(String principalKey, boolean replacing) {
        return add(connections, principalKey, replacing);
    }

    void release(String principalKey) {
        remove(connections, principalKey);
    }

    /** Counts one more session of the principal; false (nothing counted) if it holds the maximum already. */
    boolean reserve(String principalKey) {
        return add(sessions, principalKey, false);
    }

    /** Counts a session whatever the bound: one restored from the journal or taken over from another node. */
    void restored(String principalKey) {
        add(sessions, principalKey, true);
    }

    /** A session of the principal ended (or a reservation was not used). */
    void ended(String principalKey) {
        remove(sessions, principalKey);
    }

    private boolean add(ConcurrentHashMap<String, Integer> counts, String key, boolean always) {
        boolean[] taken = new boolean[1];
        counts.compute(key, (k, n) -> {
            int held = n == null ? 0 : n;
            if (!always && held >= max) {
                return n;
            }
            taken[0] = true;
            return held + 1;
        });
        return taken[0];
    }

    private static void remove(ConcurrentHashMap<String, Integer> counts, String key) {
        counts.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
    }
}
