package io.edgeauth.broker.audit;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on {@code .<name>.lock} next to an audit file, held while one sink writes the file. A second
 * broker (another process, or another sink in this JVM) that opens the same file is refused before it reads,
 * repairs or appends anything: its {@code audit.started} line would repeat a seq and break the writer's chain for
 * good. The lock file is separate because the audit file itself is renamed at each rotation (a lock on it would
 * follow the rotated file), and hidden so that {@code audit verify audit.log*} does not take it for audit lines.
 * The operating system releases the lock when the process dies; the file stays (deleting it would race).
 */
final class AuditFileLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private AuditFileLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Locks {@code file} (absolute) for this sink, or refuses with why. */
    static AuditFileLock acquire(Path file) throws IOException {
        if (Files.isSymbolicLink(file)) {
            // the lock sits next to the path as given: two brokers reaching one file by a link and by its name (or by
            // two links) would each get one, and a rotation renames the link, not the file (tour AE, P3)
            throw new IOException("audit file " + file + " is a symbolic link (to " + Files.readSymbolicLink(file)
                    + "): set audit.file to the file itself; a link to a directory of it is fine");
        }
        Path lockFile = file.resolveSibling("." + file.getFileName() + ".lock");
        boolean created = !Files.exists(lockFile);
        FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            if (created) {
                AuditDirectories.restrictCreatedFile(lockFile); // one that exists keeps its mode (U11: chmod 640)
            }
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // this JVM holds it: another broker of this process (tests run several) writes the file
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw new IOException("audit file " + file + " is in use by another broker process (" + lockFile
                    + " is locked); each broker needs an audit.file of its own");
        }
        return new AuditFileLock(channel, lock);
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
