package io.edgeauth.wallet.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Counts failed signature checks per live nonce, so that one nonce cannot drive failed logins (each a key recovery,
 * and for a contract wallet one or two JSON-RPC calls) without end for its whole life. Bounded: the least recently
 * failed nonces are forgotten past {@code capacity}, which only resets their count. Per process: with several nodes a
 * nonce allows this many failures on each. Thread-safe (one short lock, taken only after a failure). Written by hand:
 * an access-ordered {@link LinkedHashMap} is all it needs, and this module carries no cache library.
 */
public final class FailedSignatures {
    private final int limit;
    private final Map<String, Integer> counts;

    /**
     * @param limit    failed signatures a nonce allows; the last of them spends it
     * @param capacity nonces remembered at most
     */
    public FailedSignatures(int limit, int capacity) {
        if (limit < 1 || capacity < 1) {
            throw new IllegalArgumentException("limit and capacity must be positive");
        }
        this.limit = limit;
        this.counts = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
                return size() > capacity;
            }
        };
    }

    /** Counts one failed signature for {@code nonce}; true when that was the last it allows (spend the nonce). */
    public boolean failed(String nonce) {
        synchronized (counts) {
            int n = counts.merge(nonce, 1, Integer::sum);
            if (n >= limit) {
                counts.remove(nonce);
                return true;
            }
            return false;
        }
    }

    /** The failed signatures a nonce allows. */
    public int limit() {
        return limit;
    }
}
