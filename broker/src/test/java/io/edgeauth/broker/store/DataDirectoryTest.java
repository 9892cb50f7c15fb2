package io.edgeauth.broker.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-up messages about the data directory name the path and say what is wrong with it. */
class DataDirectoryTest {
    @TempDir
    Path dir;

    @Test
    void createsAnOwnerOnlyDirectory() throws Exception {
        Path data = DataDirectory.prepare(dir.resolve("a/b"));
        assertThat(data).isDirectory().isAbsolute();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data))).isEqualTo("rwx------");
        assertThat(Files.list(data)).as("the write check leaves nothing behind").isEmpty();
    }

    @Test
    void aPathThatCannotBeCreatedSaysSo() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        assertThatThrownBy(() -> DataDirectory.prepare(file.resolve("data")))
                .hasMessageContaining("cannot create the data directory " + file.resolve("data"));
    }

    @Test
    void aDirectoryThatIsNotWritableSaysSoAndNamesThePath() throws Exception {
        Path data = Files.createDirectory(dir.resolve("ro"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("r-x------"));
        try {
            // root writes anywhere: then only bench/chaos read-only (a read-only mount) shows this case
            assumeFalse(Files.isWritable(data), "running as root: permissions do not stop writes");
            assertThatThrownBy(() -> DataDirectory.prepare(data))
                    .hasMessageContaining("the data directory " + data + " is not writable (")
                    .hasMessageNotContaining("cannot create");
        } finally {
            Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
        }
    }
}
