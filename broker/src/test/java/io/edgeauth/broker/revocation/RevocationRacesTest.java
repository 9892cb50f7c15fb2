package io.edgeauth.broker.revocation;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.store.LocalChangeFeed;
import io.edgeauth.broker.store.MvStoreStore;
import io.edgeauth.broker.testsupport.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tour V, V10 on one node: an operator's subject block racing a change of the same device (a PUT, a DELETE, a re-key
 * or a CRL scan each write a subject revocation that blocks nothing later) must hold, whichever write reaches the
 * store first. Before 2026-12-07 both read "no block" from the node's map and the later write or the later time won.
 */
class RevocationRacesTest {
    private static final Duration LIFETIME = Duration.ofMinutes(10);
    private static final Duration LEEWAY = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    @Test
    void aBlockWhoseWriteLandsAfterADeviceChangeStillBlocks() throws Exception {
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            PausingFeed feed = new PausingFeed(new LocalChangeFeed(store));
            RevocationService node = new RevocationService(store, feed, clock, LIFETIME, LEEWAY);
            feed.pauseNextWriteOf("SUB:dev1");
            CompletableFuture<Revocation> block = inThread(() -> node.revokeSubjectUntilLifted("dev1", "stolen"));
            feed.awaitPaused(); // the block is decided, not yet stored
            clock.advance(Duration.ofSeconds(1));
            node.revoke(Revocation.Kind.SUB, "dev1", "device changed: region");
            feed.resume();
            assertThat(block.get().untilLifted()).isTrue();
            assertBlocked(node, store);
        }
    }

    @Test
    void aDeviceChangeWhoseWriteLandsAfterABlockDoesNotReplaceIt() throws Exception {
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            PausingFeed feed = new PausingFeed(new LocalChangeFeed(store));
            RevocationService node = new RevocationService(store, feed, clock, LIFETIME, LEEWAY);
            feed.pauseNextWriteOf("SUB:dev1");
            CompletableFuture<Revocation> change = inThread(() -> node.revoke(Revocation.Kind.SUB, "dev1",
                    "device changed: credential"));
            feed.awaitPaused(); // the change's revocation is decided ("no block"), not yet stored
            clock.advance(Duration.ofSeconds(1));
            assertThat(node.revokeSubjectUntilLifted("dev1", "stolen").untilLifted()).isTrue();
            feed.resume();
            change.get();
            assertBlocked(node, store);
        }
    }

    /** Blocked on the node, and on a node that reads the store afresh (a restart, another node). */
    private void assertBlocked(RevocationService node, MvStoreStore store) {
        Instant now = clock.instant();
        assertThat(node.blocksIssuance("dev1")).as("the node blocks").isTrue();
        assertThat(node.check(RevocationServiceTest.token("dev1", "j-later", "k", now.plusSeconds(5))))
                .contains(RejectionReason.REVOKED);
        RevocationService fresh = new RevocationService(store, clock, LIFETIME, LEEWAY);
        assertThat(fresh.blocksIssuance("dev1")).as("the store holds the block").isTrue();
    }

    static <T> CompletableFuture<T> inThread(Supplier<T> call) {
        return CompletableFuture.supplyAsync(call, r -> new Thread(r, "racing-write").start());
    }
}
