package io.edgeauth.broker.token;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.edgeauth.broker.keys.KeyResolution;
import io.edgeauth.broker.keys.KeyResolver;
import io.edgeauth.broker.keys.VerificationKey;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

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
 * <p>The cache can be kept across a clean restart ({@link #saveTo}, {@link #restoreFrom}): what is kept for each
 * token is its digest, the (iss, kid) of the key that verified it, a digest of that key and its expiry. A restored
 * token is decoded and checked again in full on its first use, all but the signature, and only while (iss, kid)
 * still names a key with the same digest; a changed or missing key means a full verification.
 *
 * <p>Thread-safe (Caffeine).
 */
public final class CachingTokenVerifier implements TokenVerifier {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CachingTokenVerifier.class);
    /** The {@code cache} tag of this cache's metrics. */
    public static final String METRICS_NAME = "token-verification";

    private record Entry(VerifiedToken token, VerificationKey key) { }

    /** A verification remembered from before a restart; its claims are not decoded yet. */
    private record Restored(String issuer, String kid, byte[] keyDigest, Instant expiresAt) { }

    private final TokenVerifier delegate;
    private final KeyResolver keys;
    private final Cache<ByteBuffer, Entry> cache;
    private final Cache<ByteBuffer, Restored> restored;
    private final long maximumSize;
    private final LongAdder restoredHits = new LongAdder();
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
        this.maximumSize = maximumSize;
        this.cache = Caffeine.newBuilder()
                .executor(Runnable::run) // maintenance on the caller: no common-pool wake-up per write burst
                .maximumSize(maximumSize)
                .expireAfter(CacheExpiry.at(clock, (Entry e) -> e.token().expiresAt().plus(leeway)))
                .recordStats()
                .build();
        this.restored = Caffeine.newBuilder()
                .executor(Runnable::run)
                .maximumSize(maximumSize)
                .expireAfter(CacheExpiry.at(clock, (Restored r) -> r.expiresAt().plus(leeway)))
                .build();
    }

    /**
     * Publishes the cache's size, hits, misses and evictions with Micrometer's Caffeine binder, tagged
     * {@code cache="token-verification"}. Evictions while devices reconnect mean the cache is smaller than the
     * set of tokens in use ({@code tokens.verificationCacheSize}). Also how many tokens restored after a restart were
     * presented again ({@code edgeauth_token_verification_restored_hits_total}) and how many wait.
     */
    public void bindMetrics(MeterRegistry meters) {
        CaffeineCacheMetrics.monitor(meters, cache, METRICS_NAME);
        FunctionCounter.builder("edgeauth.token.verification.restored.hits", restoredHits, LongAdder::sum)
                .description("tokens verified before the last restart whose signature was not checked again")
                .register(meters);
        Gauge.builder("edgeauth.token.verification.restored.waiting", restored, Cache::estimatedSize)
                .description("tokens verified before the last restart, not presented since").register(meters);
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
        Restored before = restored.asMap().remove(cacheKey);
        VerifiedToken verified = before == null ? delegate.verify(token) : verifyRestored(token, before);
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

    /** A token verified before the restart: its signature is not checked again while its key is unchanged. */
    private VerifiedToken verifyRestored(byte[] token, Restored before) throws TokenRejectedException {
        KeyResolution now = keys.resolve(before.issuer(), before.kid());
        if (now.isFound() && Arrays.equals(keyDigest(now.key()), before.keyDigest())) {
            restoredHits.increment();
            return delegate.verifyKnownSignature(token, now.key());
        }
        return delegate.verify(token);
    }

    /**
     * Writes the tokens this cache holds (and those restored and not used yet) to {@code file}, to be restored after
     * a restart; replaces the file atomically. It is sealed under {@code sealKey} (a
     * {@link io.edgeauth.broker.store.StateFileKey}): a restored token skips its signature check.
     *
     * @return how many were written
     */
    public int saveTo(Path file, javax.crypto.SecretKey sealKey) throws IOException {
        List<VerifiedTokenFile.Line> lines = new ArrayList<>();
        // a fleet has millions of tokens and a handful of keys: each key's digest is computed once
        Map<VerificationKey, byte[]> keyDigests = new IdentityHashMap<>();
        cache.asMap().forEach((digest, e) -> {
            byte[] key = keyDigests.computeIfAbsent(e.key(), CachingTokenVerifier::keyDigest);
            if (key != null) {
                lines.add(new VerifiedTokenFile.Line(bytes(digest), e.token().issuer(), e.token().keyId(), key,
                        e.token().expiresAt().getEpochSecond()));
            }
        });
        restored.asMap().forEach((digest, r) -> lines.add(new VerifiedTokenFile.Line(bytes(digest), r.issuer(), r.kid(),
                r.keyDigest(), r.expiresAt().getEpochSecond())));
        VerifiedTokenFile.write(file, sealKey, lines);
        return lines.size();
    }

    /**
     * Restores what {@link #saveTo} wrote, but entries already expired and those beyond this cache's size.
     *
     * @return how many were restored
     * @throws IOException the file is unreadable, damaged or not sealed under {@code key}; nothing is restored
     */
    public int restoreFrom(Path file, javax.crypto.SecretKey key) throws IOException {
        List<VerifiedTokenFile.Line> lines = VerifiedTokenFile.read(file, key, (int) Math.min(Integer.MAX_VALUE, maximumSize),
                clock.instant().minus(leeway).getEpochSecond());
        for (VerifiedTokenFile.Line l : lines) {
            restored.put(ByteBuffer.wrap(l.tokenDigest()), new Restored(l.issuer(), l.kid(), l.keyDigest(),
                    Instant.ofEpochSecond(l.expiresAtEpochSecond())));
        }
        return lines.size();
    }

    /**
     * Restores the verification cache that the last clean stop kept in {@code file}, so returning devices are not all
     * checked by signature again at once, and returns what keeps it there at close. A missing file is a first start or
     * a crash; a damaged, forged or version 1 one restores nothing, is said in one warning and deleted (its devices are
     * verified afresh), and replaced at the next clean stop.
     */
    public AutoCloseable keepIn(Path file, javax.crypto.SecretKey key) {
        if (java.nio.file.Files.exists(file)) {
            try {
                LOG.info("verification cache restored: {} tokens from {}", restoreFrom(file, key), file);
            } catch (IOException e) {
                LOG.warn("verification cache not restored from {}: {}; nothing restored", file, e.getMessage());
                try {
                    java.nio.file.Files.deleteIfExists(file); // not read again after a crash
                } catch (IOException ignored) {
                    // the next clean stop replaces it
                }
            }
        }
        return () -> {
            try {
                LOG.info("verification cache kept: {} tokens in {}", saveTo(file, key), file);
            } catch (IOException e) {
                LOG.warn("verification cache not kept in {}: {}", file, e.getMessage());
            }
        };
    }

    /** A digest of the key's encoding (a secret key's too: a one-way fingerprint), or null if it has none. */
    private static byte[] keyDigest(VerificationKey key) {
        byte[] encoded = key.key().getEncoded();
        return encoded == null ? null : Fingerprints.sha256(encoded);
    }

    private static byte[] bytes(ByteBuffer digest) {
        byte[] out = new byte[digest.remaining()];
        digest.duplicate().get(out);
        return out;
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
        restored.invalidateAll();
    }

    /** Approximate number of cached tokens (metrics). */
    public long size() {
        return cache.estimatedSize();
    }
}
