package io.edgeauth.broker.coap;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 * <p>Californium keys an upload by peer and URI only, so a second upload's first block to the same path restarts the
 * transfer, and the first upload's next block was appended to the second's (tour R, R5). Each upload here also
 * keeps what tells it apart (RFC 9175 §3): its Request-Tag, and the tokens its blocks came with; a later block with
 * another Request-Tag, or with a token of an upload a restart replaced, is not this upload's.
 *
 * @param <K> an upload's key (Californium's {@code KeyUri}: peer, URI and method)
 */
final class Block1Transfers<K> {
    /** Tokens remembered per upload: a client may change the token with every block (RFC 7959 §2.3). */
    private static final int TOKENS_KEPT = 4;

    /**
     * One upload: its peer, last block time, Request-Tag (null: none), the tokens its last blocks came with and
     * those of the uploads its first block replaced.
     */
    private record Entry(String peer, long lastBlock, Object requestTag, List<Object> tokens, List<Object> replaced) {
        Entry continued(long now, Object token) {
            if (token == null || tokens.contains(token)) {
                return new Entry(peer, now, requestTag, tokens, replaced);
            }
            List<Object> kept = new ArrayList<>(tokens);
            kept.add(token);
            return new Entry(peer, now, requestTag, last(kept), replaced);
        }

        boolean owns(Object tag, Object token) {
            return Objects.equals(requestTag, tag) && (tokens.contains(token) || !replaced.contains(token));
        }
    }

    private static List<Object> last(List<Object> tokens) {
        return List.copyOf(tokens.subList(Math.max(0, tokens.size() - TOKENS_KEPT), tokens.size()));
    }

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
        return start(key, peer, null, null);
    }

    /**
     * As {@link #start(Object, String)}, for an upload whose first block came with {@code requestTag} (null: none)
     * and {@code token}: an upload it restarts is remembered as replaced, so that upload's blocks are not its own.
     */
    synchronized boolean start(K key, String peer, Object requestTag, Object token) {
        long now = nanoTime.getAsLong();
        expire(now);
        Entry previous = transfers.remove(key);
        List<Object> replaced = List.of();
        if (previous != null) {
            uncount(previous.peer());
            List<Object> earlier = new ArrayList<>(previous.replaced());
            earlier.addAll(previous.tokens());
            earlier.remove(token); // the same client starting its upload again
            replaced = last(earlier);
        }
        if (transfers.size() >= max || perPeerCounts.getOrDefault(peer, 0) >= perPeer) {
            return false;
        }
        transfers.put(key, new Entry(peer, now, requestTag, token == null ? List.of() : List.of(token), replaced));
        perPeerCounts.merge(peer, 1, Integer::sum);
        return true;
    }

    /** A further block of an upload in progress: true (and its lifetime starts again) if it is one. */
    synchronized boolean proceed(K key) {
        return proceed(key, null, null);
    }

    /**
     * A further block, with {@code requestTag} (null: none) and {@code token}: true (and its lifetime starts again) if
     * it belongs to the upload in progress: the same Request-Tag, and not the token of an upload that one replaced.
     */
    synchronized boolean proceed(K key, Object requestTag, Object token) {
        long now = nanoTime.getAsLong();
        expire(now);
        Entry e = transfers.get(key);
        if (e == null || token != null && !e.owns(requestTag, token)) {
            return false;
        }
        transfers.remove(key);
        transfers.put(key, e.continued(now, token));
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
