package io.edgeauth.broker.store;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files a clean stop leaves for the next start (the verification cache, DTLS sessions, CoAP commands): written
 * owner-only through a temporary file and an atomic rename, so a failed write (a full disk) leaves no file and never
 * half of one; and read at most once where state restored twice could be replayed or handed out again after a crash.
 */
public final class StateFiles {
    private static final Logger LOG = LoggerFactory.getLogger(StateFiles.class);

    /** Writes a file's content. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /** Reads a file. */
    @FunctionalInterface
    public interface Reader<T> {
        T read(Path file) throws IOException;
    }

    private StateFiles() {
    }

    /**
     * Writes {@code file} owner-only through {@code file.tmp} and an atomic rename; on failure the temporary file is
     * removed and {@code file} is left as it was. {@code writer} gets a buffered stream it may close.
     */
    public static void write(Path file, Writer writer) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.deleteIfExists(tmp);
            if (tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                writer.write(out);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * {@code reader} applied to {@code file} once: the file is moved aside ({@code .restoring}) first and deleted after,
     * whatever the reader did; a file an earlier start left aside is deleted unread. Returns {@code absent} when there
     * is no file.
     *
     * @throws IOException the file could not be moved aside (it is left, unread), or what {@code reader} threw
     */
    public static <T> T readOnce(Path file, T absent, Reader<T> reader) throws IOException {
        Path aside = file.resolveSibling(file.getFileName() + ".restoring");
        Files.deleteIfExists(aside);
        if (!Files.exists(file)) {
            return absent;
        }
        Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        try {
            return reader.read(aside);
        } finally {
            try {
                Files.deleteIfExists(aside);
            } catch (IOException e) {
                LOG.warn("could not delete {} after reading it: {}", aside, e.toString());
            }
        }
    }
}
