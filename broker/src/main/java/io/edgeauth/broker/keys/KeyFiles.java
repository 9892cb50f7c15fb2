package io.edgeauth.broker.keys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Owner-only file handling for key material: directories 700, files 600, written atomically (temp
 * file created with 600 from the start, then renamed) so a crash never leaves a half-written key or
 * state file, and no other user can read a key even for a moment. Stateless.
 */
final class KeyFiles {
    static final Set<PosixFilePermission> DIR_700 = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> FILE_600 = PosixFilePermissions.fromString("rw-------");

    private KeyFiles() {
    }

    static boolean posix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    static void secureDirectory(Path dir) throws IOException {
        Files.createDirectories(dir);
        if (posix(dir)) {
            Files.setPosixFilePermissions(dir, DIR_700); // createDirectories is subject to umask
        }
    }

    static void writeAtomically(Path target, String content) throws IOException {
        Path dir = target.getParent();
        Path tmp = posix(dir)
                ? Files.createTempFile(dir, ".tmp-", ".part", PosixFilePermissions.asFileAttribute(FILE_600))
                : Files.createTempFile(dir, ".tmp-", ".part", new FileAttribute<?>[0]);
        try {
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static String read(Path file, int maxBytes) throws IOException {
        if (Files.size(file) > maxBytes) {
            throw new IOException("file too large: " + file.getFileName());
        }
        return Files.readString(file, StandardCharsets.UTF_8);
    }
}
