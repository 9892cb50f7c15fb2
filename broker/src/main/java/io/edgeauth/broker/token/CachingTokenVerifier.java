package io.edgeauth.broker.token;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Remembers tokens that verified, keyed by the SHA-256 of their bytes (the token itself is not kept),
 * so a device reconnecting with the same token skips signature verification. A hit still refuses an
 * expired token ({@code EXPIRED}, same leeway as the verifier); entries are evicted at the token's
 * expiry and the cache is bounded. Refusals are not cached. Revocation is not this class's job: the
 * pipeline checks it on every authentication, hits included.
 *
 * <p>Thread-safe (Caffeine).
 */
public final class CachingTokenVerifier implements TokenVerifier {
    private final TokenVerifier delegate;
    private final Cache<ByteBuffer, VerifiedToken> cache;
    private final Clock clock;
    private final Duration leeway;

    /**
     * @param delegate    the real verifier
     * @param maximumSize most entries kept (e.g. 100 000; about 1 KiB each)
     * @param leeway      the delegate's clock leeway ({@link TokenPolicy#leeway()})
     * @param clock       time source (the same as the delegate's)
     */
    public CachingTokenVerifier(TokenVerifier delegate, long maximumSize, Duration leeway, Clock clock) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.leeway = Objects.requireNonNull(leeway, "leeway");
        this.cache = Caffeine.newBuilder()
                .maximumSize(maximumSize)
                .expireAfter(new Expiry<ByteBuffer, VerifiedToken>() {
                    @Override
                    public long expireAfterCreate(ByteBuffer key, VerifiedToken value, long currentTime) {
                        long nanos = Duration.between(clock.instant(), value.expiresAt().plus(leeway)).toNanos();
                        return Math.max(0, nanos);
                    }

                    @Override
                    public long expireAfterUpdate(ByteBuffer key, VerifiedToken value, long currentTime, long currentDuration) {
                        return currentDuration;
                    }

                    @Override
                    public long expireAfterRead(ByteBuffer key, VerifiedToken value, long currentTime, long currentDuration) {
                        return currentDuration;
                    }
                })
                .build();
    }

    @Override
    public VerifiedToken verify(byte[] token) throws TokenRejectedException {
        if (token == null || token.length == 0) {
            return delegate.verify(token);
        }
        ByteBuffer key = ByteBuffer.wrap(Fingerprints.sha256(token));
        VerifiedToken hit = cache.getIfPresent(key);
        if (hit != null) {
            Instant now = clock.instant();
            if (!now.isBefore(hit.expiresAt().plus(leeway))) {
                cache.invalidate(key);
                throw new TokenRejectedException(RejectionReason.EXPIRED, "token expired");
            }
            return hit;
        }
        VerifiedToken verified = delegate.verify(token);
        cache.put(key, verified);
        return verified;
    }

    /** Drops every cached token (e.g. after a key was revoked or removed). */
    public void invalidateAll() {
        cache.invalidateAll();
    }

    /** Approximate number of cached tokens (metrics). */
    public long size() {
        return cache.estimatedSize();
    }
}
