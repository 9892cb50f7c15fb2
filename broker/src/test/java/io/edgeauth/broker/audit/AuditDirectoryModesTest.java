package io.edgeauth.broker.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The directories the broker creates for {@code audit.file} are {@code rwxr-x---} and the lock file beside it
 * {@code rw-r-----}, whatever the umask (tour AA, AA9: under umask 000 they were 777 and 666, so any local user could
 * delete or rename audit files, pre-create the next rotation's name or hold the lock). The JVM's umask cannot be changed
 * here; the test's umask (022 under the build) already gives other modes (755, 644), and a parent left world-writable
 * shows the broker does not copy its parent's mode. Directories that exist keep the operator's mode.
 */
class AuditDirectoryModesTest {
    @TempDir
    Path dir;

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void createdAuditDirectoriesAre750AndTheLockFile640() throws Exception {
        Path existing = dir.resolve("var");
        Files.createDirectory(existing);
        Files.setPosixFilePermissions(existing, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path file = existing.resolve("log/edgeauth/audit.log");

        new RollingFileSink(file, "10MB", 0, null).close();

        assertThat(mode(existing.resolve("log"))).isEqualTo("rwxr-x---");
        assertThat(mode(existing.resolve("log/edgeauth"))).isEqualTo("rwxr-x---");
        assertThat(mode(existing.resolve("log/edgeauth/.audit.log.lock"))).isEqualTo("rw-r-----");
        assertThat(mode(file)).isEqualTo("rw-r-----");
        assertThat(mode(existing)).as("a directory that existed keeps its mode").isEqualTo("rwxrwxrwx");
    }

    @Test
    void anExistingAuditDirectoryKeepsItsMode() throws Exception {
        Path logs = dir.resolve("logs");
        Files.createDirectory(logs);
        Files.setPosixFilePermissions(logs, PosixFilePermissions.fromString("rwxr-xr-x"));

        new RollingFileSink(logs.resolve("audit.log"), "10MB", 0, null).close();

        assertThat(mode(logs)).isEqualTo("rwxr-xr-x");
    }
}
