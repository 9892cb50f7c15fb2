package io.edgeauth.broker.coap;

import io.edgeauth.broker.policy.RateLimiter;
import io.edgeauth.broker.policy.RateLimits;
import io.edgeauth.broker.policy.RatePlan;
import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Rate limits for tests: each device may send {@code budget} messages, then waits {@code retryAfter} s; connection
 * attempts pass while {@code connectAllowed}, else wait {@code connectWait} s.
 */
final class TestRateLimits implements RateLimits {
    private final Map<String, AtomicInteger> used = new ConcurrentHashMap<>();
    volatile int budget = Integer.MAX_VALUE;
    volatile long retryAfter = 7;
    /** Whether connection attempts pass, and the wait the guard then names. */
    volatile boolean connectAllowed = true;
    volatile long connectWait = 0;
    /** When set, each device's budget is this plan's real bucket instead. */
    volatile RatePlan realPlan;
    /** The sizes each message was charged with, in order. */
    final java.util.List<Integer> charged = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public RateLimiter forDevice(String tenant, String deviceId, RatePlan plan) {
        AtomicInteger count = used.computeIfAbsent(tenant + "/" + deviceId, k -> new AtomicInteger());
        if (realPlan != null) {
            RateLimiter real = new io.edgeauth.broker.policy.rate.BucketRateLimiter(realPlan);
            return new RateLimiter() {
                @Override
                public boolean tryAcquire(int bytes) {
                    charged.add(bytes);
                    return real.tryAcquire(bytes);
                }

                @Override
                public long largestMessage() {
                    return real.largestMessage();
                }

                @Override
                public long secondsUntilAvailable() {
                    return real.secondsUntilAvailable();
                }
            };
        }
        return new RateLimiter() {
            @Override
            public boolean tryAcquire(int bytes) {
                charged.add(bytes);
                return count.incrementAndGet() <= budget;
            }

            @Override
            public long secondsUntilAvailable() {
                return count.get() < budget ? 0 : retryAfter;
            }
        };
    }

    @Override
    public boolean tryConnect(String deviceId, InetAddress source) {
        return connectAllowed;
    }

    @Override
    public long secondsUntilConnect(String identity, InetAddress source) {
        return connectWait;
    }

    @Override
    public void recordFailedConnect(String deviceId, InetAddress source) {
    }
}
