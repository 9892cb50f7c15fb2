package io.edgeauth.broker.token;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.edgeauth.broker.keys.KeyResolution;
import io.edgeauth.broker.keys.KeyResolver;
import io.edgeauth.broker.keys.VerificationKey;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Remembers tokens that verified, keyed by the SHA-256 of their bytes (the token itself is not kept),
 * so a device reconnecting with the same token skips signature verification. Each entry remembers the
 * key that verified it, and a hit looks that key up again by (iss, kid) — a map lookup, no I/O: a key
 * that left its issuer's JWKS, an issuer whose keys are no longer trusted (stale JWKS) or a key replaced
 * under the same kid ends the entry at once, and the token is verified afresh (and then refused). A hit
 * still refuses an expired token ({@code EXPIRED}, same leeway as the verifier); entries are evicted at
 * the token's expiry and the cache is bounded. Refusals are not cached. Revocation is not this class's
 * job: the pipeline checks it on every authentication, hits included.
 *
 * <p>Thread-safe (Caffeine).
 */
public final class CachingTokenVerifier implements TokenVerifier {
    /** The {@code cache} tag of this cache's metrics. */
    public static final String METRICS_NAME = "token-verification";

    private record Entry(VerifiedToken token, VerificationKey key) { }

    private final TokenVerifier delegate;
    private final KeyResolver keys;
    private final Cache<ByteBuffer, Entry> cache;
    private final Clock clock;
    private final Duration leeway;

    /**
     * @param delegate    the real verifier
     * @param keys        the delegate's key resolver (the same keys, looked up again on every hit)
     * @param maximumSize most entries kept ({@code tokens.verificationCacheSize}; about 1 KiB each)
     * @param leeway      the delegate's clock leeway ({@link TokenPolicy#leeway()})
     * @param clock       time source (the same as the delegate's)
     */
    public CachingTokenVerifier(TokenVerifier delegate, KeyResolver keys, long maximumSize, Duration leeway,
                                Clock clock) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.leeway = Objects.requireNonNull(leeway, "leeway");
        this.cache = Caffeine.newBuilder()
                .executor(Runnable::run) // maintenance on the caller: no common-pool wake-up per write burst
                .maximumSize(maximumSize)
                .expireAfter(new Expiry<ByteBuffer, Entry>() {
                    @Override
                    public long expireAfterCreate(ByteBuffer key, Entry value, long currentTime) {
                        long nanos = Duration.between(clock.instant(), value.token().expiresAt().plus(leeway)).toNanos();
                        return Math.max(0, nanos);
                    }

                    @Override
                    public long expireAfterUpdate(ByteBuffer key, Entry value, long currentTime, long currentDuration) {
                        return currentDuration;
                    }

                    @Override
                    public long expireAfterRead(ByteBuffer key, Entry value, long currentTime, long currentDuration) {
                        return currentDuration;
                    }
                })
                .recordStats()
                .build();
    }

    /**
     * Publishes the cache's size, hits, misses and evictions with Micrometer's Caffeine binder, tagged
     * {@code cache="token-verification"}. Evictions while devices reconnect mean the cache is smaller than the
     * set of tokens in use ({@code tokens.verificationCacheSize}).
     */
    public void bindMetrics(MeterRegistry meters) {
        CaffeineCacheMetrics.monitor(meters, cache, METRICS_NAME);
    }

    @Override
    public VerifiedToken verify(byte[] token) throws TokenRejectedException {
        if (token == null || token.length == 0) {
            return delegate.verify(token);
        }
        ByteBuffer cacheKey = ByteBuffer.wrap(Fingerprints.sha256(token));
        Entry hit = cache.getIfPresent(cacheKey);
        if (hit != null) {
            if (!stillTrusted(hit)) {
                cache.invalidate(cacheKey);
                return delegate.verify(token); // refuses with UNKNOWN_KEY/UNKNOWN_ISSUER, or checks the new key
            }
            Instant now = clock.instant();
            if (!now.isBefore(hit.token().expiresAt().plus(leeway))) {
                cache.invalidate(cacheKey);
                throw new TokenRejectedException(RejectionReason.EXPIRED, "token expired");
            }
            return hit.token();
        }
        VerifiedToken verified = delegate.verify(token);
        KeyResolution key = keys.resolve(verified.issuer(), verified.keyId());
        if (key.isFound()) { // else the key went between verification and now: answer, but do not remember
            cache.put(cacheKey, new Entry(verified, key.key()));
        }
        return verified;
    }

    /**
     * Remembers {@code verified} for the token whose SHA-256 is {@code digest} as if it had just verified
     * ({@link TokenIssuer#rememberIssuedIn}). Does nothing if {@code verified} is null or its key is no longer there.
     */
    void remember(byte[] digest, VerifiedToken verified) {
        if (verified == null) {
            return;
        }
        KeyResolution key = keys.resolve(verified.issuer(), verified.keyId());
        if (key.isFound()) {
            cache.put(ByteBuffer.wrap(digest), new Entry(verified, key.key())); // the caller's fresh digest
        }
    }

    /** The key that verified the entry is still the one its issuer serves under that kid. */
    private boolean stillTrusted(Entry entry) {
        KeyResolution now = keys.resolve(entry.token().issuer(), entry.token().keyId());
        // identity first (our own keys, an unchanged JWKS snapshot); equal key material after a JWKS refresh
        return now.isFound() && (now.key() == entry.key() || now.key().equals(entry.key()));
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
