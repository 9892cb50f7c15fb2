package io.edgeauth.broker.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.store.MvStoreStore;
import io.edgeauth.broker.testsupport.MutableClock;
import io.edgeauth.broker.token.TokenPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.nio.file.Path;

class StoreReplayGuardTest {
    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T10:00:00Z"));

    @Test
    void aKeyIsRefusedUntilItsExpiryPlusTheLargestLeewayThenFreeAgain() {
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            StoreReplayGuard guard = new StoreReplayGuard(store, clock);
            Instant exp = clock.instant().plusSeconds(60);
            assertThat(guard.firstUse("dev\u0000a", exp)).isTrue();
            assertThat(guard.firstUse("dev\u0000a", exp)).isFalse();
            assertThat(guard.firstUse("dev\u0000b", exp)).as("another jti").isTrue();
            clock.advance(Duration.ofSeconds(60).plus(TokenPolicy.MAX_LEEWAY).minusMillis(1));
            assertThat(guard.firstUse("dev\u0000a", exp)).as("within the leeway after exp").isFalse();
            clock.advance(Duration.ofMillis(1));
            assertThat(guard.firstUse("dev\u0000a", exp)).as("no verifier accepts it any more").isTrue();
        }
    }

    /**
     * Random jtis (and device ids) would land anywhere in the store's B-tree, and every commit would rewrite a page
     * for each; keyed by expiry first, new entries go to the end and pruning takes them from the start.
     */
    @Test
    void entriesAreStoredInExpiryOrderWhateverTheirIssuerAndJti() {
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            StoreReplayGuard guard = new StoreReplayGuard(store, clock);
            Instant start = clock.instant();
            String[] keys = {"zz-device\u0000j1", "aa-device\u0000j2", "mm-device\u0000j3", "00\u0000j4"};
            for (int i = 0; i < keys.length; i++) {
                assertThat(guard.firstUse(keys[i], start.plusSeconds(10L * (i + 1)))).isTrue();
            }
            List<String> stored = new ArrayList<>();
            store.forEach(StoreReplayGuard.SPACE, (k, v) -> stored.add(k));
            assertThat(stored).hasSize(keys.length);
            for (int i = 0; i < keys.length; i++) {
                assertThat(stored.get(i)).endsWith(keys[i]);
            }
        }
    }

    /** An entry written before the keys carried their expiry still refuses its replay after an upgrade. */
    @Test
    void anEntryKeyedTheOldWayStillRefusesItsReplay() {
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            Instant exp = clock.instant().plusSeconds(60);
            store.putIfAbsent(StoreReplayGuard.SPACE, "dev\u0000old", new byte[] {1}, exp.plus(TokenPolicy.MAX_LEEWAY));
            StoreReplayGuard guard = new StoreReplayGuard(store, clock);
            assertThat(guard.firstUse("dev\u0000old", exp)).isFalse();
            clock.advance(Duration.ofSeconds(20));
            assertThat(guard.firstUse("dev\u0000old", exp)).isFalse();
        }
    }
}
