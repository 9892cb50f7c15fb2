package io.edgeauth.broker.revocation;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.edgeauth.broker.store.MvStoreStore;
import io.edgeauth.broker.testsupport.LogCapture;
import io.edgeauth.broker.testsupport.MutableClock;
import io.edgeauth.broker.token.Fingerprints;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tour O, F11: the application log's revocation line named the subject by a Java hashCode (32 bits, trivially
 * inverted for short ids, matching nothing else); it names it by the fingerprint the audit and logs use elsewhere.
 */
class RevocationLogLineTest {
    @TempDir
    Path dir;

    @Test
    void theRevocationLineNamesTheSubjectByItsShortSha256Fingerprint() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock);
             LogCapture log = LogCapture.of(RevocationService.class)) {
            RevocationService r = new RevocationService(store, clock, Duration.ofMinutes(10), Duration.ofSeconds(30));
            r.revokeSubjectUntilLifted("pump-1", "stolen");
            r.lift("pump-1");
            String fp = Fingerprints.of("pump-1".getBytes(StandardCharsets.UTF_8));
            assertThat(log.events()).extracting(ILoggingEvent::getFormattedMessage)
                    .contains("revoked sub " + fp + " (stolen)", "lifted the block on subject " + fp)
                    .noneMatch(m -> m.contains("pump-1") || m.contains(Integer.toHexString("pump-1".hashCode())));
        }
    }
}
