package io.edgeauth.device.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Writes secrets to files only the owner can read (POSIX 600), atomically. */
public final class SecureFiles {
    private static final Set<PosixFilePermission> OWNER_RW = PosixFilePermissions.fromString("rw-------");

    private SecureFiles() {
    }

    /** True when the default file system supports POSIX permissions. */
    public static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }

    /**
     * Writes {@code text} to {@code target} through a temporary file created with mode 600 in the same
     * directory, then moves it in place, so the secret is never readable by others, not even briefly.
     */
    public static void writePrivate(Path target, String text) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path tmp = posix()
                ? Files.createTempFile(dir, ".key", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_RW))
                : Files.createTempFile(dir, ".key", ".tmp");
        try {
            Files.write(tmp, text.getBytes(StandardCharsets.UTF_8));
            try {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            if (posix()) {
                Files.setPosixFilePermissions(abs, OWNER_RW);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
