package io.edgeauth.broker.store.redis;

import io.lettuce.core.RedisException;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * {@code WAIT} after writes whose loss in a failover would break a promise (revocations, refresh-token
 * rotations, single-use consumptions, messages acknowledged to their publisher): the write is reported done
 * only once {@code replicas} replicas have it, else it fails as an outage (the caller is refused, or the
 * publisher sends again), although the primary kept it. {@code WAIT} counts every earlier write of the same
 * connection, so it is sent on the connection that wrote. Redis 7.0 has no {@code WAITAOF} (7.2): a replica's
 * copy is in its memory, not necessarily on its disk. With 0 replicas (the default) nothing waits.
 */
final class Replication {
    private final int replicas;
    private final Duration timeout;

    Replication(int replicas, Duration timeout) {
        this.replicas = replicas;
        this.timeout = timeout;
    }

    /** After a write on {@code redis}'s connection: returns once enough replicas have it, else throws. */
    void await(RedisCommands<String, byte[]> redis) {
        if (replicas > 0) {
            check(redis.waitForReplication(replicas, timeout.toMillis()));
        }
    }

    /** {@code write} (sent on {@code redis}'s connection), completing once enough replicas have it. */
    <T> CompletableFuture<T> after(RedisAsyncCommands<String, byte[]> redis, CompletionStage<T> write) {
        if (replicas == 0) {
            return write.toCompletableFuture();
        }
        return write.toCompletableFuture().thenCompose(result -> redis.waitForReplication(replicas, timeout.toMillis())
                .toCompletableFuture().thenApply(acked -> {
                    try {
                        check(acked);
                    } catch (RedisException e) {
                        throw new CompletionException(e);
                    }
                    return result;
                }));
    }

    private void check(Long acked) {
        if (acked == null || acked < replicas) {
            throw new RedisException("write reached " + acked + " of the " + replicas + " replicas required"
                    + " (store.redisWaitReplicas) within " + timeout.toMillis() + " ms");
        }
    }
}
