package io.edgeauth.broker.coap;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Scheduler;
import io.edgeauth.broker.auth.DeviceSession;
import io.edgeauth.broker.policy.RateLimiter;
import io.edgeauth.broker.policy.TopicAcl;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Authorized token sessions keyed by peer identity ({@link PeerIdentity#keyOf}): bounded (least useful entries
 * are evicted beyond {@code maxSessions}) and self-cleaning (an entry disappears when its token expires).
 * Per session it keeps only the pipeline's {@link DeviceSession}, the ACL derived once from it and the
 * device's rate limiter. A new token from the same peer replaces the old one. Thread-safe.
 */
final class CoapSessions {

    /** A peer's authorization: the session, its ACL and its rate budget. */
    record Bound(DeviceSession session, TopicAcl acl, RateLimiter limiter) {
        boolean expiredAt(Instant now) {
            return !now.isBefore(session.expiresAt());
        }

        /** As {@link #expiredAt(Instant)} without allocating (the per-request check). */
        boolean expiredAtMillis(long nowMillis) {
            return nowMillis >= session.expiresAt().toEpochMilli();
        }
    }

    private final Cache<String, Bound> cache;
    private final Clock clock;

    /** @param onDrop called with (peer key, session) when a session leaves other than by replacement */
    CoapSessions(int maxSessions, Clock clock, BiConsumer<String, Bound> onDrop) {
        this.clock = clock;
        this.cache = Caffeine.newBuilder()
                .maximumSize(maxSessions)
                .expireAfter(new Expiry<String, Bound>() {
                    @Override
                    public long expireAfterCreate(String key, Bound value, long currentTime) {
                        return untilExpiry(value);
                    }

                    @Override
                    public long expireAfterUpdate(String key, Bound value, long currentTime, long currentDuration) {
                        return untilExpiry(value);
                    }

                    @Override
                    public long expireAfterRead(String key, Bound value, long currentTime, long currentDuration) {
                        return currentDuration;
                    }
                })
                .scheduler(Scheduler.systemScheduler())
                .removalListener((String key, Bound value, RemovalCause cause) -> {
                    if (key != null && value != null && cause != RemovalCause.REPLACED) {
                        onDrop.accept(key, value);
                    }
                })
                .build();
    }

    private long untilExpiry(Bound value) {
        Duration left = Duration.between(clock.instant(), value.session().expiresAt());
        return left.isNegative() ? 0 : left.toNanos();
    }

    void bind(String peerKey, Bound bound) {
        cache.put(peerKey, bound);
    }

    /** The peer's session if present and not expired by the edge's clock. */
    Bound current(String peerKey) {
        Bound b = cache.getIfPresent(peerKey);
        if (b == null) {
            return null;
        }
        if (b.expiredAtMillis(clock.millis())) {
            cache.asMap().remove(peerKey, b);
            return null;
        }
        return b;
    }

    /** Looks without touching expiry or statistics. */
    Bound peek(String peerKey) {
        return cache.asMap().get(peerKey);
    }

    void drop(String peerKey, Bound expected) {
        cache.asMap().remove(peerKey, expected);
    }

    Map<String, Bound> view() {
        return cache.asMap();
    }

    long size() {
        return cache.estimatedSize();
    }

    void cleanUp() {
        cache.cleanUp();
    }
}
