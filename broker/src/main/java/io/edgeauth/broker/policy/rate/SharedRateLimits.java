package io.edgeauth.broker.policy.rate;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.edgeauth.broker.policy.RateLimiter;
import io.edgeauth.broker.policy.RateLimits;
import io.edgeauth.broker.policy.RatePlan;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link RateLimits} whose per-device message budgets are shared by every node: a device that
 * reconnects to another node finds its budget spent. Each message first passes this node's own bucket
 * (the local pre-filter: no Redis round trip per message, and a node never exceeds the plan alone);
 * the messages it admits are then charged, in batches with at most one request in flight per device,
 * to the device's Bucket4j bucket in Redis (Lettuce proxy manager). When that bucket is in debt, this
 * node refuses the device's messages until the debt is paid off. Accuracy: a device moving between
 * nodes may exceed its plan by one local burst plus one in-flight batch per node before the debt is
 * seen. Redis out: charges fail and are dropped, the local pre-filter alone limits (never blocks a
 * message on Redis). The connection-attempt guard stays per node. Thread-safe, non-blocking.
 *
 * <p>The shared bucket is keyed by the plan's settings as well as its name ({@link #key}): Bucket4j builds a stored
 * bucket's configuration only when the key is new, and a busy device keeps its key alive, so a plan changed under
 * the same name (a rolling restart with the new value) kept the old limits for exactly the devices that use it.
 * Bucket4j's implicit configuration replacement needs a version that only grows, which a plan in a config file does
 * not have (a digest as version would let the larger digest win for good, old or new).
 */
public final class SharedRateLimits implements RateLimits {
    private final LocalRateLimits local;
    private final AsyncProxyManager<String> shared;
    private final Cache<String, RateLimiter> budgets;

    public SharedRateLimits(LocalRateLimits local, AsyncProxyManager<String> shared, long maxTrackedDevices,
                            Duration idleExpiry) {
        this.local = local;
        this.shared = shared;
        this.budgets = Caffeine.newBuilder().executor(Runnable::run) // maintenance on the caller: no common-pool wake-up
                .maximumSize(maxTrackedDevices).expireAfterAccess(idleExpiry).build();
    }

    @Override
    public RateLimiter forDevice(String tenant, String deviceId, RatePlan plan) {
        String key = key(tenant, deviceId, plan);
        return budgets.get(key, k -> new SharedBudget(local.forDevice(tenant, deviceId, plan),
                shared.builder().build(k, () -> java.util.concurrent.CompletableFuture.completedFuture(configuration(plan)))));
    }

    @Override
    public boolean tryConnect(String deviceId, InetAddress source) {
        return local.tryConnect(deviceId, source);
    }

    @Override
    public long secondsUntilConnect(String identity, InetAddress source) {
        return local.secondsUntilConnect(identity, source);
    }

    @Override
    public void recordFailedConnect(String deviceId, InetAddress source) {
        local.recordFailedConnect(deviceId, source);
    }

    /**
     * {@code ea:rate:<tenant>/<device>/<plan>/<burst>/<nanoseconds per message>}: the values the shared bucket is
     * made of, so nodes with a plan's new values charge a bucket of the new values, never one the old values made.
     */
    static String key(String tenant, String deviceId, RatePlan plan) {
        return "ea:rate:" + tenant + "/" + deviceId + "/" + plan.name() + "/" + plan.burst() + "/" + plan.nanosPerMessage();
    }

    static BucketConfiguration configuration(RatePlan plan) {
        return BucketConfiguration.builder()
                .addLimit(Bandwidth.builder().capacity(plan.burst()).refillGreedy(1, Duration.ofNanos(plan.nanosPerMessage())).build())
                .build();
    }

    /** One device's budget on this node: the local bucket, then the shared one, charged asynchronously. */
    static final class SharedBudget implements RateLimiter {
        private final RateLimiter local;
        private final AsyncBucketProxy remote;
        private final AtomicLong uncharged = new AtomicLong();
        private final AtomicBoolean charging = new AtomicBoolean();
        private volatile long refuseUntilNanos;

        SharedBudget(RateLimiter local, AsyncBucketProxy remote) {
            this.local = local;
            this.remote = remote;
            this.refuseUntilNanos = System.nanoTime();
        }

        @Override
        public boolean tryAcquire(int bytes) {
            if (System.nanoTime() - refuseUntilNanos < 0) {
                return false; // the shared budget is spent (on this node or another)
            }
            if (!local.tryAcquire(bytes)) {
                return false;
            }
            uncharged.incrementAndGet();
            charge();
            return true;
        }

        private void charge() {
            if (!charging.compareAndSet(false, true)) {
                return; // the request in flight will pick these up
            }
            long n = uncharged.getAndSet(0);
            if (n == 0) {
                charging.set(false);
                return;
            }
            remote.consumeIgnoringRateLimits(n).whenComplete((debtNanos, failure) -> {
                if (failure == null && debtNanos != null && debtNanos > 0) {
                    refuseUntilNanos = System.nanoTime() + debtNanos;
                }
                charging.set(false);
                if (uncharged.get() > 0) {
                    charge();
                }
            });
        }

        @Override
        public long largestMessage() {
            return local.largestMessage(); // the shared bucket counts messages only
        }

        @Override
        public long secondsUntilAvailable() {
            return Math.max(RateLimiter.seconds(refuseUntilNanos - System.nanoTime()), local.secondsUntilAvailable());
        }
    }
}
