package io.edgeauth.broker.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Group commit: many writers share MVStore commits, and every acknowledged write is in the file. */
class MvStoreGroupCommitTest {
    @TempDir
    Path dir;

    @Test
    void concurrentWritersShareCommitsAndEveryAcknowledgedWriteIsDurable() throws Exception {
        Path file = dir.resolve("s.mv.db");
        int writers = 32;
        int perWriter = 100;
        try (MvStoreStore store = new MvStoreStore(file, Clock.systemUTC())) {
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perWriter; i++) {
                        store.put("space", writer + "-" + i, bytes(writer + "/" + i), null);
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertThat(store.mutationCount()).isEqualTo((long) writers * perWriter);
            assertThat(store.commitCount()).as("one commit per batch, not per mutation")
                    .isLessThan(store.mutationCount());
        }
        try (MvStoreStore reopened = new MvStoreStore(file, Clock.systemUTC())) {
            for (int w = 0; w < writers; w++) {
                for (int i = 0; i < perWriter; i++) {
                    assertThat(reopened.get("space", w + "-" + i)).map(b -> new String(b, StandardCharsets.UTF_8))
                            .contains(w + "/" + i);
                }
            }
        }
    }

    @Test
    void asyncWritesCompleteOnlyAfterACommitAndSurviveWithoutClose() throws Exception {
        Path file = dir.resolve("a.mv.db");
        MvStoreStore store = new MvStoreStore(file, Clock.systemUTC());
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            acks.add(store.putAsync("bulk", "k" + i, bytes("v" + i), null));
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        assertThat(store.commitCount()).isLessThan(5000);
        // the file as it is now (as after kill -9: no close, no final commit) holds every acknowledged write
        Path copy = dir.resolve("copy.mv.db");
        java.nio.file.Files.copy(file, copy);
        try (org.h2.mvstore.MVStore raw = new org.h2.mvstore.MVStore.Builder().fileName(copy.toString()).readOnly()
                .open()) {
            assertThat(raw.<String, byte[]>openMap("bulk").size()).isEqualTo(5000);
        } finally {
            store.close();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
