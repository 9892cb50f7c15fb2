package io.edgeauth.broker.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chain continues across logback's rotations and across restarts, and verifies across the rotated files. */
class RotatedAuditFileTest {
    @TempDir
    Path dir;

    private void run(AuditChainFixture f, Path file, int events) throws Exception {
        ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor();
        try (ChainedAuditLog log = new ChainedAuditLog(new RollingFileSink(file, "2KB", 0),
                new ChainedAuditLog.Settings("n1", true, 25), Clock.systemUTC())) {
            log.startCheckpoints(f.signer(), s, Duration.ofHours(1));
            for (int i = 0; i < events; i++) {
                log.record("token.issued", "ok", Map.of("sub", "pump-" + i, "grant", "client_credentials"));
            }
        } finally {
            s.shutdownNow();
        }
    }

    private List<Path> files() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return new ArrayList<>(s.filter(p -> p.getFileName().toString().startsWith("audit.log")).sorted().toList());
        }
    }

    @Test
    void rotatedFilesAndRestartsFormOneChain() throws Exception {
        AuditChainFixture f = new AuditChainFixture();
        Path file = dir.resolve("audit.log");
        run(f, file, 60);
        run(f, file, 60); // a restart: continues the chain from the active file's last line
        List<Path> files = files();
        assertThat(files).as("rotated at 2 KB").hasSizeGreaterThan(3);
        Collections.shuffle(files); // any order: sorted by their first seq
        ChainVerifier.Report r = new ChainVerifier(f.jwks).verify(files);
        assertThat(r.firstBreak()).as("%s", r.firstBreak()).isNull();
        assertThat(r.notes()).singleElement().asString().doesNotContain("restart").contains("seq 0..");
        assertThat(r.verified()).isGreaterThan(4);
        assertThat(r.exitCode(true)).isZero();
    }

    @Test
    void aTotalSizeCapDeletesTheOldestRotatedFiles() throws Exception {
        AuditChainFixture f = new AuditChainFixture();
        Path file = dir.resolve("audit.log");
        try (ChainedAuditLog log = new ChainedAuditLog(new RollingFileSink(file, "2KB", 30, "6KB"),
                new ChainedAuditLog.Settings("n1", true, 1000), Clock.systemUTC())) {
            for (int i = 0; i < 200; i++) { // about 30 KB: fifteen rotations
                log.record("token.issued", "ok", Map.of("sub", "pump-" + i, "grant", "client_credentials"));
            }
        } // closing waits for logback's clean-up of the last rotation
        List<Path> rotated = files();
        rotated.remove(file);
        long total = 0;
        for (Path p : rotated) {
            total += Files.size(p);
        }
        assertThat(total).as("rotated files %s", rotated).isLessThanOrEqualTo(6 * 1024);
        // the newest two (about 2.2 KB each: a third would pass 6 KB), however close together the rotations came
        assertThat(rotated).hasSize(2);
        // what is left is still one chain from its first line on: the newest lines, none missing between them
        ChainVerifier.Report r = new ChainVerifier(f.jwks).verify(files());
        assertThat(r.firstBreak()).as("%s", r.firstBreak()).isNull();
        assertThat(Files.readAllLines(file)).last().asString().contains("pump-199");
    }

    /** Tour N: the audit file was created world-readable (umask 022: rw-r--r--); its lines name devices and addresses. */
    @Test
    void aNewAuditFileIsReadableByItsOwnerAndGroupOnly() throws Exception {
        AuditChainFixture f = new AuditChainFixture();
        Path file = dir.resolve("audit.log");
        run(f, file, 60); // rotates: the rotated files keep the mode
        for (Path p : files()) {
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p)))
                    .as("%s", p).isEqualTo("rw-r-----");
        }
    }

    @Test
    void aDeletedRotatedFileIsNamedAsMissingLines() throws Exception {
        AuditChainFixture f = new AuditChainFixture();
        run(f, dir.resolve("audit.log"), 120);
        List<Path> files = files();
        Path active = dir.resolve("audit.log");
        files.remove(active);
        files.sort(null);
        Files.delete(files.get(1)); // the second rotated file
        List<Path> left = files();
        ChainVerifier.Report r = new ChainVerifier(f.jwks).verify(left);
        assertThat(r.firstBreak().kind()).isEqualTo(ChainVerifier.Kind.MISSING);
    }
}
