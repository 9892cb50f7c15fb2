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

    /** Replaces the credential (CLI {@code admin reset-credential}); returns the new one to show once. */
    public static String reset(Path dataDir) {
        try {
            Files.deleteIfExists(dataDir.resolve(FILE));
            return create(dataDir.resolve(FILE)).createdNow;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static AdminCredential create(Path file) throws IOException {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        String credential = "ea_admin_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        byte[] hash = sha256(credential);
        Files.writeString(file, Base64.getEncoder().encodeToString(hash), StandardCharsets.US_ASCII);
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // non-POSIX file system: the directory's own permissions protect it
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
