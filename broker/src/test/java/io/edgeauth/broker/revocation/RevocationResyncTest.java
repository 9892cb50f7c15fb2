package io.edgeauth.broker.revocation;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.store.ChangeFeed;
import io.edgeauth.broker.store.MvStoreStore;
import io.edgeauth.broker.testsupport.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A resync (the feed lost entries) on one node: what the store holds wins, so a lift the node missed applies and
 * nothing is written back; a revocation in force the store lost is written back (once, only where the key is still
 * absent); an expired one is not.
 */
class RevocationResyncTest {
    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    /** A shared feed that delivers nothing (the node misses every change) and records the write-backs. */
    static final class MissingFeed implements ChangeFeed {
        final MvStoreStore store;
        final List<String> writtenBack = new ArrayList<>();
        Runnable resync;

        MissingFeed(MvStoreStore store) {
            this.store = store;
        }

        @Override
        public void put(String feed, String space, String key, byte[] value, Instant expiresAt) {
            store.put(space, key, value, expiresAt);
        }

        @Override
        public boolean putIfAbsent(String feed, String space, String key, byte[] value, Instant expiresAt) {
            boolean written = store.putIfAbsent(space, key, value, expiresAt);
            if (written) {
                writtenBack.add(key);
            }
            return written;
        }

        @Override
        public boolean putIfUnchanged(String feed, String space, String key, byte[] expected, byte[] value,
                                      Instant expiresAt) {
            synchronized (store) {
                if (!java.util.Arrays.equals(store.get(space, key).orElse(null), expected)) {
                    return false;
                }
                store.put(space, key, value, expiresAt);
                return true;
            }
        }

        @Override
        public void remove(String feed, String space, String key) {
            store.remove(space, key);
        }

        @Override
        public AutoCloseable follow(String feed, Consumer<Change> listener, Runnable resync) {
            this.resync = resync;
            return () -> { };
        }

        @Override
        public boolean shared() {
            return true;
        }
    }

    @Test
    void aMissedLiftAppliesAndNothingIsWrittenBack() {
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            MissingFeed feedA = new MissingFeed(store);
            MissingFeed feedB = new MissingFeed(store);
            RevocationService a = new RevocationService(store, feedA, clock, Duration.ofMinutes(10), Duration.ofSeconds(30));
            a.revokeSubjectUntilLifted("pump", "stolen");
            RevocationService b = new RevocationService(store, feedB, clock, Duration.ofMinutes(10), Duration.ofSeconds(30));
            assertThat(b.blocksIssuance("pump")).isTrue();
            a.lift("pump"); // B misses it
            feedB.resync.run();
            assertThat(b.blocksIssuance("pump")).as("the lift the store holds applies").isFalse();
            assertThat(feedB.writtenBack).isEmpty();
        }
    }

    /**
     * After a loss the store's record is taken as it is: B, which missed a lift, wrote the block back first; A, which
     * had the lift, must hold the block too (the documented trade-off), not keep its later lift (every node the same).
     */
    @Test
    void aBlockAnotherNodeWroteBackHoldsAlsoOnTheNodeThatSawTheLift() {
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            MissingFeed feedA = new MissingFeed(store);
            MissingFeed feedB = new MissingFeed(store);
            RevocationService a = new RevocationService(store, feedA, clock, Duration.ofMinutes(10), Duration.ofSeconds(30));
            a.revokeSubjectUntilLifted("pump", "stolen");
            RevocationService b = new RevocationService(store, feedB, clock, Duration.ofMinutes(10), Duration.ofSeconds(30));
            a.lift("pump"); // B misses it
            store.remove(RevocationService.SPACE, "SUB:pump"); // Redis lost it
            feedB.resync.run();
            feedA.resync.run();
            assertThat(feedB.writtenBack).containsExactly("SUB:pump");
            assertThat(a.blocksIssuance("pump")).isEqualTo(b.blocksIssuance("pump")).isTrue();
        }
    }

    @Test
    void revocationsInForceTheStoreLostAreWrittenBackExpiredOnesNot() {
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            MissingFeed feed = new MissingFeed(store);
            RevocationService r = new RevocationService(store, feed, clock, Duration.ofMinutes(10), Duration.ofSeconds(30));
            r.revokeSubjectUntilLifted("pump", "stolen");
            r.revoke(Revocation.Kind.JTI, "old", "lost");
            clock.advance(Duration.ofMinutes(11)); // the jti revocation no longer covers a valid token
            r.revoke(Revocation.Kind.KID, "k1", "leaked");
            for (String key : List.of("SUB:pump", "JTI:old", "KID:k1")) {
                store.remove(RevocationService.SPACE, key); // Redis lost them
            }
            feed.resync.run();
            assertThat(feed.writtenBack).containsExactlyInAnyOrder("SUB:pump", "KID:k1");
            assertThat(store.get(RevocationService.SPACE, "SUB:pump")).isPresent();
            feed.resync.run(); // the store holds them again: nothing more
            assertThat(feed.writtenBack).hasSize(2);
            assertThat(r.blocksIssuance("pump")).isTrue();
        }
    }
}
