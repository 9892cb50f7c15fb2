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

    @Override
    public RateLimiter forDevice(String tenant, String deviceId, RatePlan plan) {
        AtomicInteger count = used.computeIfAbsent(tenant + "/" + deviceId, k -> new AtomicInteger());
        return new RateLimiter() {
            @Override
            public boolean tryAcquire(int bytes) {
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
