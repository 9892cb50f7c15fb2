package io.edgeauth.broker.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.testsupport.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded store on a disk that fills up and frees again: refusals are "unavailable" (never an
 * unexpected error), the reason is reported, and writes are accepted again without a restart while
 * everything acknowledged before stays.
 */
class MvStoreFailureTest {
    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    @BeforeAll
    static void fileSystem() {
        FullDiskFilePath.register();
    }

    @AfterEach
    void freeDisk() {
        FullDiskFilePath.full = false;
    }

    @Test
    void aFullDiskMakesWritesUnavailableAndTheStoreRecoversWhenSpaceReturns() {
        try (MvStoreStore s = new MvStoreStore("full:" + dir.resolve("s.mv.db"), clock)) {
            s.put("devices", "before", bytes("kept"), null);
            assertThat(s.unavailableReason()).isEmpty();

            FullDiskFilePath.full = true;
            assertThatThrownBy(() -> s.put("devices", "during", bytes("x"), null))
                    .isInstanceOf(StoreUnavailableException.class);
            assertThat(s.unavailableReason()).hasValueSatisfying(r -> assertThat(r).contains("write failure"));
            assertThatThrownBy(() -> s.putIfAbsent("jti", "j", bytes("x"), null))
                    .isInstanceOf(StoreUnavailableException.class);
            assertThat(s.putAsync("devices", "async", bytes("x"), null))
                    .failsWithin(Duration.ofSeconds(30)).withThrowableThat()
                    .withCauseInstanceOf(StoreUnavailableException.class);

            FullDiskFilePath.full = false;
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                try {
                    s.put("devices", "after", bytes("ok"), null);
                } catch (StoreUnavailableException e) {
                    throw new AssertionError(e.getMessage(), e);
                }
            });
            assertThat(s.unavailableReason()).isEmpty();
            assertThat(s.get("devices", "before")).map(MvStoreFailureTest::text).contains("kept");
            assertThat(s.get("devices", "after")).map(MvStoreFailureTest::text).contains("ok");
            assertThat(s.get("devices", "during")).isEmpty(); // refused, so not kept
        }
        try (MvStoreStore reopened = new MvStoreStore(dir.resolve("s.mv.db"), clock)) {
            assertThat(reopened.get("devices", "before")).isPresent();
            assertThat(reopened.get("devices", "after")).isPresent();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
