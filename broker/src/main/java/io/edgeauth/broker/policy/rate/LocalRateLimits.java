package io.edgeauth.broker.policy.rate;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Scheduler;
import io.edgeauth.broker.policy.RateLimiter;
import io.edgeauth.broker.policy.RateLimits;
import io.edgeauth.broker.policy.RatePlan;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentMap;

/**
 * In-memory {@link RateLimits} on Bucket4j token buckets. Memory is bounded: every bucket lives in a
 * Caffeine cache with a maximum size and an idle expiry, so a flood of distinct device ids or source
 * addresses evicts the least recently used buckets instead of growing without bound (an evicted
 * bucket restarts full, which only ever favours the client it belonged to).
 *
 * <p>Connection attempts: a bucket per authenticated identity ({@code connectsPerMinutePerDevice}; the caller
 * passes one only after a signature proved it) and one per source address ({@code connectsPerMinutePerAddress});
 * an attempt takes one token from each bucket named, a
 * failed attempt is charged {@code failedAttemptCost} more tokens, and that charge may push the
 * bucket into debt so a brute-force client stays locked out for longer than the refill of one token.
 * An attempt bucket is forgotten as soon as it has refilled to full (a new bucket would be the same),
 * so the guard holds memory for recent attempts only, not for every connected device.
 *
 * <p>A device's message budget is looked up on its first message, not at connect: an idle session
 * costs no buckets, and a reconnecting device still finds the budget it left (within {@code idleExpiry}).
 * A device has one budget and it never splits: while any connection holds it, every other connection, renewal
 * or reconnect of the device finds that same bucket (a weakly held index of budgets in use), however long the
 * device stayed quiet; once none holds it, it is kept {@code idleExpiry} after its last use.
 *
 * <p>Thread-safe and non-blocking (Bucket4j's lock-free buckets).
 */
public final class LocalRateLimits implements RateLimits {

    /** Limits of the connection-attempt guard and of the bucket caches. */
    public record Settings(
            int connectsPerMinutePerDevice,
            int connectsPerMinutePerAddress,
            int failedAttemptCost,
            long maxTrackedKeys,
            Duration idleExpiry) {

        public Settings {
            if (connectsPerMinutePerDevice < 1 || connectsPerMinutePerAddress < 1 || failedAttemptCost < 0
                    || maxTrackedKeys < 1) {
                throw new IllegalArgumentException("rate limit settings must be positive: " + connectsPerMinutePerDevice
                        + "/" + connectsPerMinutePerAddress + "/" + failedAttemptCost + "/" + maxTrackedKeys);
            }
            Objects.requireNonNull(idleExpiry, "idleExpiry");
        }

        /** 30 attempts a minute per device, 120 per address, a failure costs 5 more, 100 000 keys, 10 min idle. */
        public static Settings defaults() {
            return new Settings(30, 120, 5, 100_000, Duration.ofMinutes(10));
        }
    }

    private record DeviceKey(String tenant, String deviceId, RatePlan plan) {
    }

    private final Settings settings;
    /** Budgets used within {@code idleExpiry}: a device that disconnects and comes back finds its spent bucket. */
    private final Cache<DeviceKey, RateLimiter> devices;
    /** Budgets some session holds now, however idle: the same key never gets a second bucket while one lives. */
    private final Cache<DeviceKey, RateLimiter> held;
    private final ConcurrentMap<String, AttemptBucket> connectByDevice;
    private final ConcurrentMap<InetAddress, AttemptBucket> connectByAddress;

    public LocalRateLimits(Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        // Caffeine's maintenance on the caller: no hand-off to the common pool (a thread wake-up) per write burst
        this.devices = Caffeine.newBuilder().executor(Runnable::run).maximumSize(settings.maxTrackedKeys())
                .expireAfterAccess(settings.idleExpiry()).build();
        this.held = Caffeine.newBuilder().executor(Runnable::run).weakValues().build();
        this.connectByDevice = attemptCache(settings);
        this.connectByAddress = attemptCache(settings);
    }

    private static <K> ConcurrentMap<K, AttemptBucket> attemptCache(Settings s) {
        Cache<K, AttemptBucket> cache = Caffeine.newBuilder().executor(Runnable::run).maximumSize(s.maxTrackedKeys())
                .expireAfter(new UntilFull<K>()).scheduler(Scheduler.systemScheduler()).build();
        return cache.asMap();
    }

    @Override
    public RateLimiter forDevice(String tenant, String deviceId, RatePlan plan) {
        return new DeviceBudget(this, new DeviceKey(tenant, deviceId, plan));
    }

    @Override
    public boolean tryConnect(String identity, InetAddress source) {
        boolean ok = true;
        if (source != null) {
            ok = take(connectByAddress, source, settings.connectsPerMinutePerAddress(), 1, false);
        }
        if (ok && identity != null) {
            ok = take(connectByDevice, identity, settings.connectsPerMinutePerDevice(), 1, false);
        }
        return ok;
    }

    @Override
    public long secondsUntilConnect(String identity, InetAddress source) {
        long nanos = 0;
        AttemptBucket bySource = source == null ? null : connectByAddress.get(source);
        AttemptBucket byIdentity = identity == null ? null : connectByDevice.get(identity);
        for (AttemptBucket b : new AttemptBucket[] {bySource, byIdentity}) {
            if (b != null) {
                nanos = Math.max(nanos, b.bucket.estimateAbilityToConsume(1).getNanosToWaitForRefill());
            }
        }
        return RateLimiter.seconds(nanos);
    }

    @Override
    public void recordFailedConnect(String identity, InetAddress source) {
        int cost = settings.failedAttemptCost();
        if (cost == 0) {
            return;
        }
        if (source != null) {
            take(connectByAddress, source, settings.connectsPerMinutePerAddress(), cost, true);
        }
        if (identity != null) {
            take(connectByDevice, identity, settings.connectsPerMinutePerDevice(), cost, true);
        }
    }

    /**
     * Takes {@code cost} attempts from {@code key}'s bucket inside {@code compute}, so the cache's expiry is
     * computed from the bucket as it is after the attempt. {@code force}: charge even into debt.
     */
    private static <K> boolean take(ConcurrentMap<K, AttemptBucket> map, K key, int perMinute, int cost, boolean force) {
        boolean[] taken = new boolean[1];
        map.compute(key, (k, b) -> {
            AttemptBucket bucket = b != null ? b : new AttemptBucket(perMinute);
            if (force) {
                bucket.bucket.consumeIgnoringRateLimits(cost);
                taken[0] = true;
            } else {
                taken[0] = bucket.bucket.tryConsume(cost);
            }
            return bucket;
        });
        return taken[0];
    }

    /** A per-minute attempt bucket and the time it takes to refill to full from where it is. */
    private static final class AttemptBucket {
        final Bucket bucket;
        final int perMinute;

        AttemptBucket(int perMinute) {
            this.perMinute = perMinute;
            this.bucket = Bucket.builder()
                    .addLimit(Bandwidth.builder().capacity(perMinute).refillGreedy(perMinute, Duration.ofMinutes(1)).build())
                    .withNanosecondPrecision() // monotonic, like the idle expiry below: immune to wall-clock steps
                    .build();
        }

        long nanosUntilFull() {
            long missing = perMinute - bucket.getAvailableTokens(); // debt counts too
            return missing <= 0 ? 0 : (long) Math.ceil(missing * (60_000_000_000d / perMinute));
        }
    }

    /** Attempt buckets live until they have refilled to full: after that a fresh bucket is indistinguishable. */
    private static final class UntilFull<K> implements Expiry<K, AttemptBucket> {
        @Override
        public long expireAfterCreate(K key, AttemptBucket value, long currentTime) {
            return value.nanosUntilFull();
        }

        @Override
        public long expireAfterUpdate(K key, AttemptBucket value, long currentTime, long currentDuration) {
            return value.nanosUntilFull();
        }

        @Override
        public long expireAfterRead(K key, AttemptBucket value, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }

    /**
     * The device's one bucket: the one a live session holds, else one used recently, else a new one. Either way it
     * is then a fresh entry of the recent budgets (looked up or put there), so it outlives the session.
     */
    private RateLimiter budgetOf(DeviceKey key) {
        boolean[] viaRecent = new boolean[1];
        RateLimiter r = held.get(key, k -> {
            viaRecent[0] = true; // devices.get below records the access: no second cache write needed
            return devices.get(k, k2 -> new BucketRateLimiter(k2.plan()));
        });
        if (!viaRecent[0]) {
            devices.put(key, r);
        }
        return r;
    }

    /**
     * A device's budget, resolved on first use: connect costs nothing, and every connection of one device draws
     * from the one {@link BucketRateLimiter}. Use refreshes the recent-budget entry (at most every quarter of the
     * idle expiry, not per message), so the bucket outlives the session by {@code idleExpiry}.
     */
    private static final class DeviceBudget implements RateLimiter {
        private final LocalRateLimits owner;
        private final DeviceKey key;
        private final long touchEveryNanos;
        private volatile RateLimiter resolved;
        private volatile long lastTouch;

        DeviceBudget(LocalRateLimits owner, DeviceKey key) {
            this.owner = owner;
            this.key = key;
            this.touchEveryNanos = Math.max(1, owner.settings.idleExpiry().toNanos() / 4);
        }

        private RateLimiter limiter() {
            RateLimiter r = resolved;
            if (r == null) {
                r = owner.budgetOf(key);
                resolved = r;
                lastTouch = System.nanoTime();
                return r;
            }
            long now = System.nanoTime();
            if (now - lastTouch >= touchEveryNanos) {
                lastTouch = now;
                owner.devices.put(key, r);
            }
            return r;
        }

        @Override
        public boolean tryAcquire(int bytes) {
            return limiter().tryAcquire(bytes);
        }

        @Override
        public long secondsUntilAvailable() {
            return limiter().secondsUntilAvailable();
        }
    }

    /** Number of attempt buckets held now, by device id and by address (for tests). */
    long trackedAttemptBuckets() {
        return connectByDevice.size() + connectByAddress.size();
    }

    /** Number of device budgets held now (for tests and metrics). */
    public long trackedDevices() {
        devices.cleanUp();
        return devices.estimatedSize();
    }
}
