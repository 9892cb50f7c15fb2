package io.edgeauth.broker.token;

import java.time.Instant;

/**
 * Remembers one-time identifiers (client assertion {@code jti}s) until they expire. The broker backs
 * it with its durable store so a replay is refused across restarts and nodes;
 * {@link InMemoryReplayGuard} is for a single node and tests. Implementations are thread-safe and
 * {@link #firstUse} is atomic.
 */
public interface ReplayGuard {
    /**
     * Records {@code key} until {@code expiresAt}. Returns true the first time a key is seen, false for
     * every later use before it expires (a replay).
     */
    boolean firstUse(String key, Instant expiresAt);

    /**
     * {@link #firstUse}, the record's durability left to the caller to await (before it answers): null for a replay,
     * else the future of the use being durable. The default records synchronously.
     */
    default java.util.concurrent.CompletableFuture<Void> firstUseDeferred(String key, Instant expiresAt) {
        return firstUse(key, expiresAt) ? java.util.concurrent.CompletableFuture.completedFuture(null) : null;
    }
}
