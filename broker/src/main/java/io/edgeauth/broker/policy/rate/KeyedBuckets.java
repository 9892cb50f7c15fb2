package io.edgeauth.broker.policy.rate;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Scheduler;
import io.edgeauth.broker.policy.RateLimiter;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import java.time.Duration;
import java.util.concurrent.ConcurrentMap;

/**
 * One Bucket4j bucket per key (an identity, a source address): {@code capacity} tokens, refilled at {@code perMinute}.
 * Memory is bounded: the buckets live in a Caffeine cache of at most {@code maxKeys} entries, and each is forgotten as
 * soon as it has refilled to full (a new bucket would be the same), so a flood of distinct keys evicts the least
 * recently used instead of growing the heap, and quiet keys cost nothing. An evicted bucket restarts full, which only
 * ever favours its key. Thread-safe and non-blocking.
 *
 * @param <K> the key type (with value equality)
 */
public final class KeyedBuckets<K> {
    private final long capacity;
    private final long perMinute;
    private final ConcurrentMap<K, Entry> buckets;

    /** @param capacity the burst, at least 1; {@code perMinute} the refill, at least 1; {@code maxKeys} at least 1 */
    public KeyedBuckets(long capacity, long perMinute, long maxKeys) {
        if (capacity < 1 || perMinute < 1 || maxKeys < 1) {
            throw new IllegalArgumentException("bucket settings must be positive: " + capacity + "/" + perMinute + "/"
                    + maxKeys);
        }
        this.capacity = capacity;
        this.perMinute = perMinute;
        // maintenance on the caller: no hand-off to the common pool (a thread wake-up) per write burst
        Cache<K, Entry> cache = Caffeine.newBuilder().executor(Runnable::run).maximumSize(maxKeys)
                .expireAfter(new UntilFull<K>()).scheduler(Scheduler.systemScheduler()).build();
        this.buckets = cache.asMap();
    }

    /** Takes {@code n} tokens from {@code key}'s bucket if it holds them; false (nothing taken) if not. */
    public boolean tryTake(K key, long n) {
        return take(key, n, false);
    }

    /**
     * Takes {@code n} tokens from {@code key}'s bucket even into debt, so the key waits longer than one refill; but
     * never deeper than {@code capacity} times {@code n}, the debt a whole burst of attempts that each passed
     * {@link #tryTake} and were then charged {@code n} reaches. Callers that charge without taking first (an MQTT
     * CONNECT refused at the edge before the guard is asked) used to deepen the debt without bound: one client looping
     * on a CONNECT without a password locked its address, and every device behind the same NAT, out for longer the
     * longer it looped (tour H, H2).
     */
    public void charge(K key, long n) {
        take(key, n, true);
    }

    /** Nanoseconds until {@code key}'s bucket holds one token again (0: now, also for a key without a bucket). */
    public long nanosUntilAvailable(K key) {
        Entry e = buckets.get(key);
        return e == null ? 0 : Math.max(0, e.bucket.estimateAbilityToConsume(1).getNanosToWaitForRefill());
    }

    /** {@link #nanosUntilAvailable} as whole seconds for a retry hint, rounded up. */
    public long secondsUntilAvailable(K key) {
        return RateLimiter.seconds(nanosUntilAvailable(key));
    }

    /** Buckets held now (for tests and metrics). */
    public long size() {
        return buckets.size();
    }

    /** Takes inside {@code compute}, so the cache's expiry is computed from the bucket as it is after the take. */
    private boolean take(K key, long n, boolean force) {
        boolean[] taken = new boolean[1];
        buckets.compute(key, (k, e) -> {
            Entry entry = e != null ? e : new Entry(capacity, perMinute);
            if (force) {
                long room = headroom(entry.bucket.getAvailableTokens(), n);
                if (room > 0) {
                    entry.bucket.consumeIgnoringRateLimits(Math.min(n, room));
                }
                taken[0] = true;
            } else {
                taken[0] = entry.bucket.tryConsume(n);
            }
            return entry;
        });
        return taken[0];
    }

    /** Tokens a charge of {@code n} may still take from a bucket holding {@code available} (negative: in debt). */
    private long headroom(long available, long n) {
        long bound = n > Long.MAX_VALUE / capacity ? Long.MAX_VALUE : capacity * n; // the deepest debt: capacity x n
        return available > 0 && bound > Long.MAX_VALUE - available ? Long.MAX_VALUE : available + bound;
    }

    /** A bucket and the time it takes to refill to full from where it is. */
    private static final class Entry {
        final Bucket bucket;
        final long capacity;
        final long perMinute;

        Entry(long capacity, long perMinute) {
            this.capacity = capacity;
            this.perMinute = perMinute;
            this.bucket = Bucket.builder()
                    .addLimit(Bandwidth.builder().capacity(capacity).refillGreedy(perMinute, Duration.ofMinutes(1)).build())
                    .withNanosecondPrecision() // monotonic, like the expiry below: immune to wall-clock steps
                    .build();
        }

        long nanosUntilFull() {
            long missing = capacity - bucket.getAvailableTokens(); // debt counts too
            return missing <= 0 ? 0 : (long) Math.ceil(missing * (60_000_000_000d / perMinute));
        }
    }

    /** Buckets live until they have refilled to full: after that a fresh bucket is indistinguishable. */
    private static final class UntilFull<K> implements Expiry<K, Entry> {
        @Override
        public long expireAfterCreate(K key, Entry value, long currentTime) {
            return value.nanosUntilFull();
        }

        @Override
        public long expireAfterUpdate(K key, Entry value, long currentTime, long currentDuration) {
            return value.nanosUntilFull();
        }

        @Override
        public long expireAfterRead(K key, Entry value, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}
