package io.edgeauth.broker.audit;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.edgeauth.broker.testsupport.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tour AE, AE7: a broker whose active audit file was missing or empty at start while rotated files of it were there
 * (an operator moved it, or someone deleted it: its newest lines are gone) began a new chain at seq 0 without a word.
 * It still begins one (continuing from the newest rotated file would hide the loss), but says so.
 */
class MissingActiveAuditFileTest {
    @TempDir
    Path dir;

    @Test
    void aMissingActiveFileNextToRotatedOnesIsWarnedAbout() throws Exception {
        Path file = dir.resolve("audit.log");
        Files.writeString(dir.resolve("audit.log.2026-12-07.0"), "{\"node\":\"n1\",\"seq\":0}\n");
        try (LogCapture log = LogCapture.of(RollingFileSink.class)) {
            new RollingFileSink(file, "1MB", 0).close();
            assertThat(log.events()).anySatisfy(e -> {
                assertThat(e.getLevel()).isEqualTo(Level.WARN);
                assertThat(e.getFormattedMessage()).contains("audit.log.2026-12-07.0").contains("new chain");
            });
        }
    }

    @Test
    void aFirstStartSaysNothing() throws Exception {
        try (LogCapture log = LogCapture.of(RollingFileSink.class)) {
            new RollingFileSink(dir.resolve("audit.log"), "1MB", 0).close();
            assertThat(log.events()).noneSatisfy(e -> assertThat(e.getLevel()).isEqualTo(Level.WARN));
        }
    }
}
