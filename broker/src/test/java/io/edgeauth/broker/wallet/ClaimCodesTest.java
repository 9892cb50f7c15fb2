package io.edgeauth.broker.wallet;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.store.MvStoreStore;
import io.edgeauth.broker.testsupport.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClaimCodesTest {
    /** The record a code is issued for (DeviceClaimApi binds it to the device's tenant and creation time). */
    private static final String RECORD = "default\n2026-01-01T00:00:00Z";
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private MvStoreStore store;
    private ClaimCodes codes;

    @BeforeEach
    void setUp() {
        store = new MvStoreStore(dir.resolve("s.mv"), clock);
        codes = new ClaimCodes(store, clock);
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    @Test
    void codesAreRandomSingleUseBoundAndStoredHashed() {
        ClaimCodes.Issued issued = codes.issue("dev-1", RECORD, Duration.ofHours(24));
        assertThat(issued.code()).matches("cc_[A-Za-z0-9_-]{22}");
        assertThat(issued.expiresAt()).isEqualTo(clock.instant().plus(Duration.ofHours(24)));
        byte[] stored = store.get(ClaimCodes.SPACE, "dev-1").orElseThrow();
        assertThat(new String(stored, StandardCharsets.ISO_8859_1)).doesNotContain(issued.code().substring(3));
        assertThat(codes.consume("dev-2", RECORD, issued.code())).isFalse();
        assertThat(codes.consume("dev-1", RECORD, issued.code() + "x")).isFalse();
        // tour AD, AD4: the id registered again is another record; the code is not its
        assertThat(codes.consume("dev-1", "default\n2026-01-02T00:00:00Z", issued.code())).isFalse();
        assertThat(codes.consume("dev-1", RECORD, issued.code())).as("wrong guesses spent nothing").isTrue();
        assertThat(codes.consume("dev-1", RECORD, issued.code())).isFalse();
    }

    @Test
    void codesExpire() {
        ClaimCodes.Issued issued = codes.issue("dev-1", RECORD, Duration.ofHours(24));
        clock.advance(Duration.ofHours(24));
        assertThat(codes.consume("dev-1", RECORD, issued.code())).isFalse();
    }

    @Test
    void exactlyOneOfRacingClaimsWins() throws Exception {
        ClaimCodes.Issued issued = codes.issue("dev-1", RECORD, Duration.ofHours(1));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Boolean>> tasks = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                tasks.add(() -> codes.consume("dev-1", RECORD, issued.code()));
            }
            int wins = 0;
            for (Future<Boolean> f : pool.invokeAll(tasks)) {
                wins += f.get() ? 1 : 0;
            }
            assertThat(wins).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }
}
