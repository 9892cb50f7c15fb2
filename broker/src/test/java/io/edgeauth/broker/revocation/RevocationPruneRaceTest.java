package io.edgeauth.broker.revocation;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.store.MvStoreStore;
import io.edgeauth.broker.store.Store;
import io.edgeauth.broker.testsupport.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pruning an expired subject revocation from the node's map must not delete from the store a block written for the
 * same subject in the meantime (tour V, with V10: a block is never replaced by what blocks nothing, nor dropped).
 */
class RevocationPruneRaceTest {
    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    /** A store that runs {@code beforeRemove} when the key is removed, before removing it. */
    private static final class RemoveHook extends io.edgeauth.broker.store.ForwardingStore {
        private final String key;
        private final Runnable beforeRemove;

        RemoveHook(Store store, String key, Runnable beforeRemove) {
            super(store);
            this.key = key;
            this.beforeRemove = beforeRemove;
        }

        @Override
        public boolean remove(String space, String k) {
            if (k.equals(key)) {
                beforeRemove.run();
            }
            return store.remove(space, k);
        }

        @Override
        public void close() { // the test closes the store it wraps
        }
    }

    @Test
    void aBlockWrittenWhilePruningTheSubjectsExpiredRevocationStays() {
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            RevocationService[] node = new RevocationService[1];
            boolean[] blocked = new boolean[1];
            Runnable block = () -> {
                node[0].revokeSubjectUntilLifted("dev1", "stolen");
                blocked[0] = true;
            };
            // the block lands between the prune's decision and its removal from the store, where it had one
            Store hooked = new RemoveHook(store, "SUB:dev1", block);
            node[0] = new RevocationService(hooked, clock, Duration.ofMinutes(10), Duration.ofSeconds(30));
            node[0].revoke(Revocation.Kind.SUB, "dev1", "device changed: region");
            clock.advance(Duration.ofMinutes(11)); // it covers no valid token any more: pruned
            node[0].prune();
            if (!blocked[0]) {
                block.run();
            }
            assertThat(node[0].blocksIssuance("dev1")).isTrue();
            assertThat(new RevocationService(store, clock, Duration.ofMinutes(10), Duration.ofSeconds(30))
                    .blocksIssuance("dev1")).as("the store holds the block").isTrue();
        }
    }
}
