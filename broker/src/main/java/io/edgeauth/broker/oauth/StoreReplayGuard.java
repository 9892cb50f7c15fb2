package io.edgeauth.broker.oauth;

import io.edgeauth.broker.store.Store;
import io.edgeauth.broker.token.ReplayGuard;
import io.edgeauth.broker.token.TokenPolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * Single use of client-assertion {@code jti}s on the durable {@link Store}: a replay is refused on
 * every node and after a restart, until no verifier would accept the assertion anyway (its expiry plus
 * the largest clock leeway).
 *
 * <p>Entries are keyed by their expiry first, then by the caller's key. The expiry comes from the signed
 * assertion, so a replay of it finds the same entry; and in the embedded store's B-tree new entries go
 * to its end and pruning takes them from its start, where random device ids and jtis would each dirty a
 * page anywhere in it (with random device ids, 1.6 to 1.9 times the CPU per assertion: {@code bench/replay-guard}).
 */
public final class StoreReplayGuard implements ReplayGuard {
    static final String SPACE = "assertion-jti";
    private static final byte[] MARK = {1};

    /**
     * Entries written before 2026-12-05 are keyed without their expiry and live at most five minutes and the leeway
     * after they were written, so they are looked up, at the cost of one more read, only this long after start.
     */
    static final Duration OLD_KEYS_CHECKED_FOR = Duration.ofMinutes(10);

    private final Store store;
    private final Clock clock;
    private final Instant oldKeysGone;

    public StoreReplayGuard(Store store, Clock clock) {
        this.store = store;
        this.clock = clock;
        this.oldKeysGone = clock.instant().plus(OLD_KEYS_CHECKED_FOR);
    }

    @Override
    public boolean firstUse(String key, Instant expiresAt) {
        CompletableFuture<Void> written = firstUseDeferred(key, expiresAt);
        if (written == null) {
            return false;
        }
        try {
            written.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
        return true;
    }

    @Override
    public CompletableFuture<Void> firstUseDeferred(String key, Instant expiresAt) {
        if (clock.instant().isBefore(oldKeysGone) && store.get(SPACE, key).isPresent()) {
            return null;
        }
        return store.putIfAbsentDeferred(SPACE, orderedKey(key, expiresAt), MARK,
                expiresAt.plus(TokenPolicy.MAX_LEEWAY));
    }

    /** Fixed-width hex seconds, so the string order is the time order (until the year 10889). */
    private static String orderedKey(String key, Instant expiresAt) {
        String seconds = Long.toHexString(Math.max(0, expiresAt.getEpochSecond()));
        return "0".repeat(Math.max(0, 10 - seconds.length())) + seconds + '|' + key;
    }
}
