package io.edgeauth.broker.coap;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The Block1 uploads (RFC 7959) in progress, counted so that at most {@code max} are at once and at most
 * {@code perPeer} from one peer. Californium keeps a body buffer per upload (sized to the body limit before a byte
 * arrives) and bounds their number only by MAX_ACTIVE_PEERS, so {@link BlockwiseAdmissionLayer} asks here first.
 *
 * <p>An upload is counted from its first block until its last, an error answer, or {@code lifetimeNanos} without a
 * block: the caller passes Californium's BLOCKWISE_STATUS_LIFETIME plus its sweep interval (BLOCKWISE_STATUS_INTERVAL),
 * never shorter than Californium keeps a buffer, so the bound holds for Californium's buffers too. Thread-safe; the map is small (at most {@code max}).
 *
 * @param <K> an upload's key (Californium's {@code KeyUri}: peer, URI and method)
 */
final class Block1Transfers<K> {
    private record Entry(String peer, long lastBlock) { }

    private final int max;
    private final int perPeer;
    private final long lifetimeNanos;
    private final LongSupplier nanoTime;
    /** Least recently continued first (re-inserted on every block), so expired entries are at the head. */
    private final LinkedHashMap<K, Entry> transfers = new LinkedHashMap<>();
    private final Map<String, Integer> perPeerCounts = new HashMap<>();

    Block1Transfers(int max, int perPeer, long lifetimeNanos, LongSupplier nanoTime) {
        this.max = max;
        this.perPeer = perPeer;
        this.lifetimeNanos = lifetimeNanos;
        this.nanoTime = nanoTime;
    }

    /** Counts a new upload (or restarts one with the same key); false if that would pass a bound. */
    synchronized boolean start(K key, String peer) {
        long now = nanoTime.getAsLong();
        expire(now);
        Entry previous = transfers.remove(key);
        if (previous != null) {
            uncount(previous.peer());
        }
        if (transfers.size() >= max || perPeerCounts.getOrDefault(peer, 0) >= perPeer) {
            return false;
        }
        transfers.put(key, new Entry(peer, now));
        perPeerCounts.merge(peer, 1, Integer::sum);
        return true;
    }

    /** A further block of an upload in progress: true (and its lifetime starts again) if it is one. */
    synchronized boolean proceed(K key) {
        long now = nanoTime.getAsLong();
        expire(now);
        Entry e = transfers.remove(key);
        if (e == null) {
            return false;
        }
        transfers.put(key, new Entry(e.peer(), now));
        return true;
    }

    /** The upload ended (last block, or refused); no effect if it is not counted. */
    synchronized void end(K key) {
        Entry e = transfers.remove(key);
        if (e != null) {
            uncount(e.peer());
        }
    }

    /** Uploads counted now. */
    synchronized int size() {
        expire(nanoTime.getAsLong());
        return transfers.size();
    }

    private void expire(long now) {
        Iterator<Entry> it = transfers.values().iterator();
        while (it.hasNext()) {
            Entry e = it.next();
            if (now - e.lastBlock() < lifetimeNanos) {
                return;
            }
            it.remove();
            uncount(e.peer());
        }
    }

    private void uncount(String peer) {
        perPeerCounts.computeIfPresent(peer, (p, n) -> n > 1 ? n - 1 : null);
    }
}
