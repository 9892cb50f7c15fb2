package io.edgeauth.broker.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second writer of an audit file another one has open is refused before it reads, repairs or appends anything
 * (tour P F1: a second broker refused for its locked data directory had already appended {@code audit.started}
 * with a repeated seq, and the running broker's chain never verified again).
 */
class AuditFileLockTest {
    @TempDir
    Path dir;

    @Test
    void aSecondSinkOnAnAuditFileInUseIsRefusedAndTheFileIsUntouched() throws Exception {
        Path file = dir.resolve("audit.log");
        try (ChainedAuditLog first = new ChainedAuditLog(new RollingFileSink(file, "10MB", 0),
                new ChainedAuditLog.Settings("n1", true, 1000), Clock.systemUTC())) {
            first.record("device.registered", "ok", Map.of("device", "d-1"));
            byte[] before = Files.readAllBytes(file);

            assertThatThrownBy(() -> new ChainedAuditLog(new RollingFileSink(file, "10MB", 0),
                    new ChainedAuditLog.Settings("n1", true, 1000), Clock.systemUTC()).close())
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("audit file " + file.toAbsolutePath())
                    .hasMessageContaining("in use by another broker process");
            assertThat(Files.readAllBytes(file)).as("the refused second writer left the file alone").isEqualTo(before);

            first.record("device.registered", "ok", Map.of("device", "d-2"));
        }
        ChainVerifier.Report r = new ChainVerifier(null).verify(java.util.List.of(file));
        assertThat(r.firstBreak()).as("%s", r.firstBreak()).isNull();
        assertThat(r.lines()).isEqualTo(3);
    }

    @Test
    void theFileCanBeOpenedAgainOnceTheFirstSinkIsClosed() throws Exception {
        Path file = dir.resolve("audit.log");
        new ChainedAuditLog(new RollingFileSink(file, "10MB", 0), new ChainedAuditLog.Settings("n1", true, 1000),
                Clock.systemUTC()).close();
        new ChainedAuditLog(new RollingFileSink(file, "10MB", 0), new ChainedAuditLog.Settings("n1", true, 1000),
                Clock.systemUTC()).close();
        ChainVerifier.Report r = new ChainVerifier(null).verify(java.util.List.of(file));
        assertThat(r.firstBreak()).as("%s", r.firstBreak()).isNull();
        assertThat(r.lines()).isEqualTo(2);
    }

    /**
     * Tour AE, P3: the lock sits next to the path as configured, so two brokers reaching one file through a symbolic
     * link each got a lock of their own (and a rotation renamed the link, not the file). Such a path is refused.
     */
    @Test
    void anAuditFileThatIsASymbolicLinkIsRefused() throws Exception {
        Path real = dir.resolve("real.log");
        Files.writeString(real, "");
        Path link = Files.createSymbolicLink(dir.resolve("audit.log"), real);
        assertThatThrownBy(() -> new ChainedAuditLog(new RollingFileSink(link, "10MB", 0),
                new ChainedAuditLog.Settings("n1", true, 1000), Clock.systemUTC()).close())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("symbolic link")
                .hasMessageContaining(real.toString());
        assertThat(Files.size(real)).as("nothing written through the link").isZero();
    }
}
