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

    /**
     * Refuses to open an empty embedded store next to signing keys a previous run left: {@code state} ({@code
     * state.mv.db}) missing or of zero length while {@code keys} holds files. MVStore would create an empty store and
     * the broker start without a word, with every device, revocation and refresh token gone, and the tokens revoked
     * under those keys accepted again until they expire (tour P, F5). A data directory without keys (a first start,
     * or one whose keys were moved away with the store: no token signed before is valid) starts.
     */
    public static void refuseLostStore(Path state, Path keys) {
        long size;
        try {
            size = Files.exists(state) ? Files.size(state) : -1;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the size of " + state.toAbsolutePath() + ": " + why(e), e);
        }
        if (size > 0 || !holdsFiles(keys)) {
            return;
        }
        throw new IllegalStateException("the store " + state.toAbsolutePath() + (size < 0 ? " is missing" : " is empty (0 bytes)")
                + ", but " + keys.toAbsolutePath() + " holds the signing keys of a previous run: starting would lose every "
                + "device, revocation and refresh token the store held, and accept tokens revoked under those keys again. "
                + "Restore " + state.getFileName() + " from a backup; or, to start with an empty store on purpose, move "
                + keys.getFileName() + "/ away too (every token signed before becomes invalid), or start with a new dataDir");
    }

    private static boolean holdsFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (var entries = Files.list(dir)) {
            return entries.findAny().isPresent();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir.toAbsolutePath() + ": " + why(e), e);
        }
    }

    /** The OS's reason ("Read-only file system", "Permission denied") rather than only the path again. */
    private static String why(Exception e) {
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
