package io.edgeauth.broker.store.redis;

import io.github.bucket4j.TimeMeter;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The clock the shared rate buckets refill on: Redis's ({@code TIME}), read when the buckets are set up and then
 * followed on this node's monotonic clock, read again about once a minute; it never goes backwards on this node.
 *
 * <p>Bucket4j's default client clock is each node's wall clock. It refills nothing while "now" is at or before the
 * last refill a bucket stored, so once a node whose clock is ahead had charged a device (or this node, before NTP
 * stepped its clock back), every other charge saw no refill until its own clock caught up: the device was refused far
 * below its plan for as long as the skew (tour H, H1). All nodes now read one clock, to within half a round trip to
 * Redis. Should Redis be unreachable at the start, the node's wall clock stands in until a read succeeds.
 */
final class RedisTime implements TimeMeter {
    private static final long RESYNC_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final RedisAsyncCommands<String, byte[]> redis;
    private final AtomicLong last = new AtomicLong(Long.MIN_VALUE);
    private final AtomicBoolean reading = new AtomicBoolean();
    /** Redis's time minus {@link System#nanoTime()}, in nanoseconds. */
    private volatile long offset;
    private volatile long readAt;

    RedisTime(RedisAsyncCommands<String, byte[]> redis) {
        this.redis = redis;
        this.offset = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
        this.readAt = System.nanoTime() - RESYNC_NANOS - 1;
        try {
            read().get(5, TimeUnit.SECONDS);
        } catch (Exception e) { // the wall clock stands in; the next charge tries again
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public long currentTimeNanos() {
        long now = System.nanoTime();
        if (now - readAt > RESYNC_NANOS) {
            read();
        }
        long t = now + offset;
        return last.accumulateAndGet(t, Math::max);
    }

    @Override
    public boolean isWallClockBased() {
        return true; // Redis's clock is a wall clock: the buckets' expiry in Redis is computed from it
    }

    /** Reads Redis's TIME once (one read at a time), and sets the offset from the middle of the round trip. */
    private java.util.concurrent.CompletableFuture<Void> read() {
        if (!reading.compareAndSet(false, true)) {
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }
        long sent = System.nanoTime();
        return redis.time().toCompletableFuture().handle((List<byte[]> time, Throwable e) -> {
            long received = System.nanoTime();
            if (e == null && time != null && time.size() == 2) {
                long seconds = Long.parseLong(new String(time.get(0), StandardCharsets.US_ASCII));
                long micros = Long.parseLong(new String(time.get(1), StandardCharsets.US_ASCII));
                offset = seconds * 1_000_000_000L + micros * 1_000L - (sent + (received - sent) / 2);
                readAt = received;
            }
            reading.set(false);
            return null;
        });
    }
}
