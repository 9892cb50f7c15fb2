package io.edgeauth.broker.policy.rate;

import io.edgeauth.broker.policy.RateLimiter;
import io.edgeauth.broker.policy.RatePlan;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.local.SynchronizationStrategy;
import java.time.Duration;

/**
 * The budget of one device under a {@link RatePlan}: a message bucket ({@code burst} capacity,
 * refilled at {@code messagesPerSecond}, fractional rates allowed) and a byte bucket (one second of
 * {@code bytesPerSecond} as capacity). A message is taken from both or from neither. A message larger
 * than the byte bucket's capacity is never allowed. Thread-safe: each bucket takes a short lock, which
 * is uncontended in practice (a device publishes from one connection); Bucket4j's lock-free buckets
 * allocate a copy of their state on every take, which showed up as a per-message cost under load.
 */
public final class BucketRateLimiter implements RateLimiter {
    private final Bucket messages;
    private final Bucket bytes;
    private final long byteCapacity;

    public BucketRateLimiter(RatePlan plan) {
        long nanosPerMessage = plan.nanosPerMessage();
        this.messages = Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(plan.burst())
                        .refillGreedy(1, Duration.ofNanos(nanosPerMessage)).build())
                .withNanosecondPrecision() // monotonic: a wall-clock step neither starves nor refills the budget
                .withSynchronizationStrategy(SynchronizationStrategy.SYNCHRONIZED)
                .build();
        this.byteCapacity = plan.bytesPerSecond(); // at most RatePlan.MAX_BYTES_PER_SECOND, what Bucket4j can refill
        this.bytes = Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(byteCapacity)
                        .refillGreedy(byteCapacity, Duration.ofSeconds(1)).build())
                .withNanosecondPrecision() // monotonic: a wall-clock step neither starves nor refills the budget
                .withSynchronizationStrategy(SynchronizationStrategy.SYNCHRONIZED)
                .build();
    }

    @Override
    public boolean tryAcquire(int size) {
        long cost = Math.max(0, size);
        if (cost > byteCapacity) {
            return false;
        }
        if (!messages.tryConsume(1)) {
            return false;
        }
        if (cost > 0 && !bytes.tryConsume(cost)) {
            messages.addTokens(1); // nothing is taken when refused
            return false;
        }
        return true;
    }

    @Override
    public long largestMessage() {
        return byteCapacity;
    }

    @Override
    public long secondsUntilAvailable() {
        return RateLimiter.seconds(messages.estimateAbilityToConsume(1).getNanosToWaitForRefill());
    }
}
