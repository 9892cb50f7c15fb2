package io.edgeauth.broker.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded store under concurrent use, as a loaded broker uses it: writers, readers, scans and the periodic prune
 * (which compacts the file) at once.
 */
class MvStoreConcurrencyTest {
    @TempDir
    Path dir;

    /**
     * MVStore's reads take no lock; a chunk freed under a read (the prune's compaction frees dead chunks at once) made
     * it fail with "Chunk N not found": a helper's loaded million-record import failed so once. Failed within a second
     * on the old code.
     */
    @Test
    void readsWritesAndScansFindEveryChunkWhileThePruneCompacts() throws Exception {
        try (MvStoreStore s = new MvStoreStore(dir.resolve("s.mv"), Clock.systemUTC())) {
            long end = System.nanoTime() + 5_000_000_000L;
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                int role = i;
                threads.add(new Thread(() -> {
                    ThreadLocalRandom r = ThreadLocalRandom.current();
                    byte[] record = new byte[300];
                    while (System.nanoTime() < end && failure.get() == null) {
                        try {
                            String key = "d" + r.nextInt(200_000);
                            if (role < 8) { // writers: records replaced and deleted, short-lived entries
                                r.nextBytes(record); // compression must not hide the churn
                                if (r.nextInt(3) == 0) {
                                    s.remove("records", key);
                                } else {
                                    s.put("records", key, record.clone(), null);
                                }
                                s.putAsync("jti", "j" + r.nextLong(), new byte[] {1},
                                        Instant.now().plusMillis(r.nextInt(500)));
                            } else if (role < 14) {
                                s.get("records", key);
                            } else {
                                s.forEach("records", (k, v) -> { });
                                s.prune(Instant.now());
                            }
                        } catch (Throwable t) {
                            failure.compareAndSet(null, t);
                        }
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join();
            }
            assertThat(failure.get()).as("a failure under concurrent use").isNull();
        }
    }

    /** The prune removes an entry it found expired only if nothing wrote the key again since its scan. */
    @Test
    void aPruneKeepsWhatWasWrittenAfterItsScan() throws Exception {
        try (MvStoreStore s = new MvStoreStore(dir.resolve("s.mv"), Clock.systemUTC())) {
            Instant soon = Instant.now().plusSeconds(1);
            int keys = 50_000;
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (int i = 0; i < keys; i++) {
                writes.add(s.putAsync("locks", "k" + i, new byte[] {0}, soon));
            }
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
            Instant later = Instant.now().plusSeconds(3600);
            Thread writer = new Thread(() -> { // takes every key again, as a new holder of an expired lock does
                for (int i = keys - 1; i >= 0; i--) {
                    s.putAsync("locks", "k" + i, new byte[] {1}, later);
                }
            });
            Thread pruner = new Thread(() -> s.prune(soon.plusSeconds(10)));
            pruner.start();
            writer.start();
            writer.join();
            pruner.join();
            List<String> lost = new ArrayList<>();
            for (int i = 0; i < keys; i++) {
                if (s.get("locks", "k" + i).isEmpty()) {
                    lost.add("k" + i);
                }
            }
            assertThat(lost).as("entries written again after the prune scanned them").isEmpty();
        }
    }
}
