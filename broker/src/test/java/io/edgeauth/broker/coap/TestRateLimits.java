package io.edgeauth.broker.coap;

import io.edgeauth.broker.policy.RateLimiter;
import io.edgeauth.broker.policy.RateLimits;
import io.edgeauth.broker.policy.RatePlan;
import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Rate limits for tests: each device may send {@code budget} messages, then waits {@code retryAfter} s. */
final class TestRateLimits implements RateLimits {
    private final Map<String, AtomicInteger> used = new ConcurrentHashMap<>();
    volatile int budget = Integer.MAX_VALUE;
    volatile long retryAfter = 7;

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
        return true;
    }

    @Override
    public void recordFailedConnect(String deviceId, InetAddress source) {
    }
}
