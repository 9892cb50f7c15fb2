package io.edgeauth.broker.token;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Instant;

/**
 * {@link ReplayGuard} in memory (Caffeine): each key lives until its expiry (plus the leeway the
 * verifier allowed). Bounded: if more than {@code maximumSize} unexpired keys exist the oldest may be
 * evicted, which could let that one replay through; size it above the peak assertion rate times five
 * minutes. Single node only. Thread-safe.
 */
public final class InMemoryReplayGuard implements ReplayGuard {
    private final Cache<String, Instant> seen;
    private final Clock clock;

    public InMemoryReplayGuard(long maximumSize, Clock clock) {
        this.clock = clock;
        this.seen = Caffeine.newBuilder()
                .executor(Runnable::run) // maintenance on the caller: no common-pool wake-up per write burst
                .maximumSize(maximumSize)
                .expireAfter(CacheExpiry.at(clock, (Instant expiresAt) -> expiresAt.plus(TokenPolicy.MAX_LEEWAY)))
                .build();
    }

    @Override
    public boolean firstUse(String key, Instant expiresAt) {
        Instant previous = seen.asMap().putIfAbsent(key, expiresAt);
        if (previous == null) {
            return true;
        }
        // an entry the cache has not evicted yet but whose time is over (clock-driven tests)
        if (!clock.instant().isBefore(previous.plus(TokenPolicy.MAX_LEEWAY))) {
            return seen.asMap().replace(key, previous, expiresAt);
        }
        return false;
    }
}
