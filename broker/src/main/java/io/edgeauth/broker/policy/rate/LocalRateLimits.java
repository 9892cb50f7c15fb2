package io.edgeauth.broker.policy.rate;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.edgeauth.broker.policy.RateLimiter;
import io.edgeauth.broker.policy.RateLimits;
import io.edgeauth.broker.policy.RatePlan;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;

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
    private final KeyedBuckets<String> connectByDevice;
    private final KeyedBuckets<InetAddress> connectByAddress;

    public LocalRateLimits(Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        // Caffeine's maintenance on the caller: no hand-off to the common pool (a thread wake-up) per write burst
        this.devices = Caffeine.newBuilder().executor(Runnable::run).maximumSize(settings.maxTrackedKeys())
                .expireAfterAccess(settings.idleExpiry()).build();
        this.held = Caffeine.newBuilder().executor(Runnable::run).weakValues().build();
        this.connectByDevice = new KeyedBuckets<>(settings.connectsPerMinutePerDevice(),
                settings.connectsPerMinutePerDevice(), settings.maxTrackedKeys());
        this.connectByAddress = new KeyedBuckets<>(settings.connectsPerMinutePerAddress(),
                settings.connectsPerMinutePerAddress(), settings.maxTrackedKeys());
    }

    @Override
    public RateLimiter forDevice(String tenant, String deviceId, RatePlan plan) {
        return new DeviceBudget(this, new DeviceKey(tenant, deviceId, plan));
    }

    @Override
    public boolean tryConnect(String identity, InetAddress source) {
        boolean ok = true;
        if (source != null) {
            ok = connectByAddress.tryTake(SourceKeys.of(source), 1);
        }
        if (ok && identity != null) {
            ok = connectByDevice.tryTake(identity, 1);
        }
        return ok;
    }

    @Override
    public long secondsUntilConnect(String identity, InetAddress source) {
        long bySource = source == null ? 0 : connectByAddress.nanosUntilAvailable(SourceKeys.of(source));
        long byIdentity = identity == null ? 0 : connectByDevice.nanosUntilAvailable(identity);
        return RateLimiter.seconds(Math.max(bySource, byIdentity));
    }

    @Override
    public void recordFailedConnect(String identity, InetAddress source) {
        int cost = settings.failedAttemptCost();
        if (cost == 0) {
            return;
        }
        if (source != null) {
            connectByAddress.charge(SourceKeys.of(source), cost);
        }
        if (identity != null) {
            connectByDevice.charge(identity, cost);
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
        public long largestMessage() {
            return limiter().largestMessage();
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
