package io.edgeauth.broker.token;

import com.github.benmanes.caffeine.cache.Expiry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;

/** Caffeine expiry at a deadline each value carries, read on the given clock; reads and updates do not move it. */
final class CacheExpiry {
    private CacheExpiry() {
    }

    static <K, V> Expiry<K, V> at(Clock clock, Function<V, Instant> deadline) {
        return Expiry.creating((key, value) -> {
            Duration left = Duration.between(clock.instant(), deadline.apply(value));
            return left.isNegative() ? Duration.ZERO : left;
        });
    }
}
