package io.edgeauth.broker.policy.rate;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.edgeauth.broker.policy.RateLimiter;
import io.edgeauth.broker.policy.RateLimits;
import io.edgeauth.broker.policy.RatePlan;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * In-memory {@link RateLimits} on Bucket4j token buckets. Memory is bounded: every bucket lives in a
 * Caffeine cache with a maximum size and an idle expiry, so a flood of distinct device ids or source
 * addresses evicts the least recently used buckets instead of growing without bound (an evicted
 * bucket restarts full, which only ever favours the client it belonged to).
 *
 * <p>Connection attempts: a bucket per device id ({@code connectsPerMinutePerDevice}) and one per
 * source address ({@code connectsPerMinutePerAddress}); an attempt takes one token from each, a
 * failed attempt is charged {@code failedAttemptCost} more tokens, and that charge may push the
 * bucket into debt so a brute-force client stays locked out for longer than the refill of one token.
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
    private final Cache<DeviceKey, RateLimiter> devices;
    private final Cache<String, Bucket> connectByDevice;
    private final Cache<InetAddress, Bucket> connectByAddress;

    public LocalRateLimits(Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.devices = cache(settings);
        this.connectByDevice = cache(settings);
        this.connectByAddress = cache(settings);
    }

    private static <K, V> Cache<K, V> cache(Settings s) {
        return Caffeine.newBuilder().maximumSize(s.maxTrackedKeys()).expireAfterAccess(s.idleExpiry()).build();
    }

    @Override
    public RateLimiter forDevice(String tenant, String deviceId, RatePlan plan) {
        return devices.get(new DeviceKey(tenant, deviceId, plan), k -> new BucketRateLimiter(k.plan()));
    }

    @Override
    public boolean tryConnect(String deviceId, InetAddress source) {
        boolean ok = true;
        if (source != null) {
            ok = addressBucket(source).tryConsume(1);
        }
        if (ok && deviceId != null) {
            ok = deviceBucket(deviceId).tryConsume(1);
        }
        return ok;
    }

    @Override
    public void recordFailedConnect(String deviceId, InetAddress source) {
        int cost = settings.failedAttemptCost();
        if (cost == 0) {
            return;
        }
        if (source != null) {
            addressBucket(source).consumeIgnoringRateLimits(cost);
        }
        if (deviceId != null) {
            deviceBucket(deviceId).consumeIgnoringRateLimits(cost);
        }
    }

    private Bucket deviceBucket(String deviceId) {
        return connectByDevice.get(deviceId, k -> perMinute(settings.connectsPerMinutePerDevice()));
    }

    private Bucket addressBucket(InetAddress source) {
        return connectByAddress.get(source, k -> perMinute(settings.connectsPerMinutePerAddress()));
    }

    private static Bucket perMinute(int n) {
        return Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(n).refillGreedy(n, Duration.ofMinutes(1)).build())
                .build();
    }

    /** Number of device budgets held now (for tests and metrics). */
    public long trackedDevices() {
        devices.cleanUp();
        return devices.estimatedSize();
    }
}
