package io.edgeauth.broker.audit;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;

/**
 * Creates the missing directories of an audit file {@code rwxr-x---} (owner, and a log shipper in its group) and its
 * lock file {@code rw-r-----}, whatever the umask: a directory others may write lets any local user delete or rename
 * audit files, or plant the next rotation's name as a link. Directories that exist keep the operator's mode (the
 * broker must not tighten {@code /var/log}). Stateless.
 */
final class AuditDirectories {
    static final Set<PosixFilePermission> DIR_750 = PosixFilePermissions.fromString("rwxr-x---");
    static final Set<PosixFilePermission> FILE_640 = PosixFilePermissions.fromString("rw-r-----");

    private AuditDirectories() {
    }

    static boolean posix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /** Creates {@code dir} (absolute) and its missing parents, each 750 on a POSIX file system. */
    static void create(Path dir) throws IOException {
        Deque<Path> missing = new ArrayDeque<>();
        for (Path d = dir; d != null && !Files.isDirectory(d); d = d.getParent()) {
            missing.push(d);
        }
        for (Path d : missing) {
            try {
                Files.createDirectory(d);
            } catch (FileAlreadyExistsException e) {
                continue; // made meanwhile by someone else: theirs, its mode too (a file there fails at open)
            }
            if (posix(d)) {
                Files.setPosixFilePermissions(d, DIR_750); // the mkdir mode is cut by the umask, not set
            }
        }
    }

    /** Makes a file this process has just created 640 (the umask may have left it anything up to 666). */
    static void restrictCreatedFile(Path file) throws IOException {
        if (posix(file)) {
            Files.setPosixFilePermissions(file, FILE_640);
        }
    }
}
