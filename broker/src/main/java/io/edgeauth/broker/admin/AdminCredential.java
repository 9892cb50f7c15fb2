package io.edgeauth.broker.admin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * The bearer credential of the admin API. Generated on first start, shown once, and kept in the data
 * directory only as a SHA-256 hash (file mode 600), so a copy of the data directory does not give
 * admin access. Checks are constant-time. Thread-safe.
 */
public final class AdminCredential {
    static final String FILE = "admin-credential.sha256";
    private static final int MAX_PRESENTED = 256;

    private final byte[] hash;
    private final String createdNow;

    private AdminCredential(byte[] hash, String createdNow) {
        this.hash = hash;
        this.createdNow = createdNow;
    }

    /** Loads the stored hash, or creates a new credential if there is none. */
    public static AdminCredential loadOrCreate(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        try {
            if (Files.exists(file)) {
                byte[] stored = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).trim());
                return new AdminCredential(stored, null);
            }
            return create(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write " + file, e);
        }
    }

    /**
     * Replaces the credential (CLI {@code admin reset-credential}); returns the new one to show once. The old file is
     * replaced in one atomic move, so a crash leaves the old credential or the new one, never none (before, the file
     * was deleted first: a crash between left none, and the next start minted and printed a fresh one).
     */
    public static String reset(Path dataDir) {
        try {
            return create(dataDir.resolve(FILE)).createdNow;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dataDir.resolve(FILE) + ": " + e.getMessage(), e);
        }
    }

    private static AdminCredential create(Path file) throws IOException {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        String credential = "ea_admin_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        byte[] hash = sha256(credential);
        // a temporary file that is owner-only from its creation (not chmod'ed after being written with the umask's
        // mode), moved over the old one atomically
        Path temp;
        try {
            temp = Files.createTempFile(file.getParent(), "." + FILE, ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) { // non-POSIX file system: the directory's own permissions protect it
            temp = Files.createTempFile(file.getParent(), "." + FILE, ".tmp");
        }
        try {
            Files.writeString(temp, Base64.getEncoder().encodeToString(hash), StandardCharsets.US_ASCII);
            Files.move(temp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
        return new AdminCredential(hash, credential);
    }

    /** The credential if it was created by this start (to print once), else empty. */
    public Optional<String> createdNow() {
        return Optional.ofNullable(createdNow);
    }

    /** Constant-time check of a presented bearer value. */
    public boolean matches(String presented) {
        if (presented == null || presented.length() > MAX_PRESENTED) {
            return false;
        }
        return MessageDigest.isEqual(hash, sha256(presented));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
