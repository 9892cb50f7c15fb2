package io.edgeauth.broker.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.testsupport.RedisServer;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared rate buckets refill on Redis's clock, followed on each node's monotonic clock, not on each node's wall
 * clock (tour H, H1: a node whose clock was ahead stored a last refill in the future, and the other nodes refilled the
 * device nothing until their clocks caught up). A skewed wall clock cannot be given to a node in this JVM, so these
 * tests pin the clock's source and the wiring: Redis's TIME, never backwards, a burst spent through one node refilled as
 * another sees it.
 */
class RedisTimeTest {
    @TempDir
    static Path dir;
    static RedisServer redis;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void theBucketsClockIsRedissTimeAndNeverGoesBack() {
        try (RedisStore store = redis.connectStore(); StatefulRedisConnection<String, byte[]> own = store.connectOwn()) {
            RedisTime clock = new RedisTime(own.async());
            List<byte[]> time = own.sync().time();
            long redisNanos = Long.parseLong(new String(time.get(0), StandardCharsets.US_ASCII)) * 1_000_000_000L
                    + Long.parseLong(new String(time.get(1), StandardCharsets.US_ASCII)) * 1_000L;
            assertThat(Math.abs(clock.currentTimeNanos() - redisNanos)).as("ns from Redis's TIME")
                    .isLessThan(Duration.ofMillis(500).toNanos());
            long previous = Long.MIN_VALUE;
            for (int i = 0; i < 10_000; i++) {
                long now = clock.currentTimeNanos();
                assertThat(now).isGreaterThanOrEqualTo(previous);
                previous = now;
            }
            assertThat(clock.isWallClockBased()).isTrue();
        }
    }

    @Test
    void aBurstSpentThroughOneNodeIsRefilledAsAnotherNodeSeesIt() throws Exception {
        // 10 a second, a burst of 5: empty, it is full again after 0.5 s
        BucketConfiguration plan = BucketConfiguration.builder()
                .addLimit(Bandwidth.builder().capacity(5).refillGreedy(10, Duration.ofSeconds(1)).build()).build();
        try (RedisStore a = redis.connectStore(); RedisStore b = redis.connectStore()) {
            AsyncProxyManager<String> nodeA = a.rateLimitBuckets();
            AsyncProxyManager<String> nodeB = b.rateLimitBuckets();
            AsyncBucketProxy onA = nodeA.builder().build("rt-device", () -> CompletableFuture.completedFuture(plan));
            AsyncBucketProxy onB = nodeB.builder().build("rt-device", () -> CompletableFuture.completedFuture(plan));
            assertThat(onA.tryConsume(5).get()).isTrue();
            assertThat(onB.tryConsume(1).get()).as("the burst is spent for every node").isFalse();
            await().atMost(Duration.ofSeconds(5)).until(() -> onB.getAvailableTokens().get() >= 5);
        }
    }
}
