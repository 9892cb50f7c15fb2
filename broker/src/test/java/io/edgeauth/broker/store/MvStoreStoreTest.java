package io.edgeauth.broker.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import io.edgeauth.broker.testsupport.MutableClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MvStoreStoreTest {
    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    @Test
    void putGetRemoveAndExpiry() {
        try (Store s = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            s.put("a", "k", bytes("v"), null);
            s.put("a", "short", bytes("x"), clock.instant().plusSeconds(10));
            assertThat(s.get("a", "k")).map(MvStoreStoreTest::text).contains("v");
            assertThat(s.get("b", "k")).isEmpty();
            clock.advance(Duration.ofSeconds(11));
            assertThat(s.get("a", "short")).isEmpty();
            assertThat(s.prune(clock.instant())).isEqualTo(1);
            assertThat(s.remove("a", "k")).isTrue();
            assertThat(s.remove("a", "k")).isFalse();
        }
    }

    /**
     * Soak tour S2: a burst of registrations and deletions left the file at its peak size for good (every chunk written
     * within MVStore's 45 s retention lives together, and nothing compacted it with the background thread off).
     */
    @Test
    void theFileShrinksBackAfterABurstOfWritesAndDeletions() {
        try (MvStoreStore s = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            s.put("records", "kept", bytes("k"), null);
            byte[] record = new byte[200];
            java.util.concurrent.ThreadLocalRandom.current().nextBytes(record); // compression must not hide the burst
            for (int i = 0; i < 3000; i++) {
                s.put("records", "d" + i, record, null);
                s.remove("records", "d" + i);
            }
            long peak = s.fileSize();
            assertThat(peak).as("the burst's chunks").isGreaterThan(4L << 20);
            s.prune(clock.instant());
            assertThat(s.fileSize()).as("after the prune's compaction, from %d bytes", peak).isLessThan(peak / 4);
            assertThat(s.get("records", "kept")).map(MvStoreStoreTest::text).contains("k");
        }
        try (MvStoreStore s = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            assertThat(s.get("records", "kept")).as("after a restart").map(MvStoreStoreTest::text).contains("k");
            assertThat(s.get("records", "d1")).isEmpty();
        }
    }

    @Test
    void pruneReadsOnlySpacesThatMayHoldExpiringEntriesAcrossARestart() {
        try (MvStoreStore s = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            s.put("records", "d1", bytes("r"), null);
            s.put("jti", "j1", bytes("1"), clock.instant().plusSeconds(10));
        }
        try (MvStoreStore s = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            clock.advance(Duration.ofSeconds(11));
            assertThat(s.prune(clock.instant())).as("an entry written before the restart").isEqualTo(1);
            assertThat(s.spacesScannedByLastPrune()).isEqualTo(2); // what the file holds is not known yet
            assertThat(s.prune(clock.instant())).isZero();
            assertThat(s.spacesScannedByLastPrune()).as("neither space holds an expiry any more").isZero();

            s.put("records", "d2", bytes("r"), null);
            assertThat(s.putIfAbsent("jti", "j2", bytes("2"), clock.instant().plusSeconds(5))).isTrue();
            s.put("records", "tmp", bytes("t"), clock.instant().plusSeconds(20));
            assertThat(s.prune(clock.instant())).isZero();
            assertThat(s.spacesScannedByLastPrune()).as("both written with an expiry since").isEqualTo(2);
            clock.advance(Duration.ofSeconds(6));
            assertThat(s.prune(clock.instant())).isEqualTo(1);
            assertThat(s.get("jti", "j2")).isEmpty();
            clock.advance(Duration.ofSeconds(15));
            assertThat(s.prune(clock.instant())).as("still marked: its entry had not expired at the last prune")
                    .isEqualTo(1);
            assertThat(s.get("records", "d1")).isPresent();
            assertThat(s.get("records", "d2")).isPresent();
            assertThat(s.get("records", "tmp")).isEmpty();
        }
    }

    @Test
    void putIfAbsentIsFirstUseOnlyUntilExpiry() {
        try (Store s = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            Instant exp = clock.instant().plusSeconds(5);
            assertThat(s.putIfAbsent("jti", "j1", bytes("1"), exp)).isTrue();
            assertThat(s.putIfAbsent("jti", "j1", bytes("2"), exp)).isFalse();
            clock.advance(Duration.ofSeconds(6));
            assertThat(s.putIfAbsent("jti", "j1", bytes("3"), null)).isTrue();
        }
    }

    @Test
    void takeReturnsOnce() {
        try (Store s = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            s.put("nonce", "n", bytes("x"), null);
            assertThat(s.take("nonce", "n")).isPresent();
            assertThat(s.take("nonce", "n")).isEmpty();
        }
    }

    @Test
    void survivesReopen() {
        try (Store s = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            s.put("devices", "d1", bytes("one"), null);
            s.put("devices", "d2", bytes("two"), null);
        }
        try (Store s = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            Map<String, String> all = new HashMap<>();
            s.forEach("devices", (k, v) -> all.put(k, text(v)));
            assertThat(all).containsOnly(Map.entry("d1", "one"), Map.entry("d2", "two"));
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
