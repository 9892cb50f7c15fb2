package io.edgeauth.broker.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The broker's data directory (store, signing keys, admin credential, session journal): created if absent,
 * owner-only, and proven writable at start, so a read-only mount or a directory of another user stops
 * start-up with a message that says so and names the path, instead of a failure at the first write.
 */
public final class DataDirectory {
    private DataDirectory() {
    }

    /** Creates (if needed) and checks {@code dir}; returns its absolute path. */
    public static Path prepare(Path dir) {
        Path absolute = dir.toAbsolutePath();
        if (Files.exists(absolute) && !Files.isDirectory(absolute)) {
            throw new IllegalStateException("the data directory " + absolute + " is not a directory (a file is there):"
                    + " set dataDir to a directory, or move the file away");
        }
        if (!Files.isDirectory(absolute)) {
            try {
                Files.createDirectories(absolute);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the data directory " + absolute + ": " + why(e), e);
            }
        }
        try {
            Files.deleteIfExists(Files.createTempFile(absolute, ".write-check", ".tmp"));
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalStateException("the data directory " + absolute + " is not writable (" + why(e)
                    + "): the broker keeps its store, keys and admin credential there; make it writable for this "
                    + "user or set dataDir to another directory", e);
        }
        try {
            Files.setPosixFilePermissions(absolute, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException ignored) {
            // non-POSIX file system
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restrict the data directory " + absolute + " to its owner: "
                    + why(e), e);
        }
        return absolute;
    }

    /** The OS's reason ("Read-only file system", "Permission denied") rather than only the path again. */
    private static String why(Exception e) {
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
