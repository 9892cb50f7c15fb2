package io.edgeauth.broker.store;

import io.edgeauth.device.DeviceSecrets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key that seals a state file the broker trusts after a restart ({@link SealedChunks}), so whoever can write the
 * data directory but does not hold the broker's secret cannot forge its content: the verification cache lists tokens
 * whose signature is not checked again, and everything else in its lines is public (kids, public keys). Derived like
 * the DTLS sessions file's key, by HKDF-SHA256 with an info naming the file: from the shared store's key-encryption
 * key when there is one (it is outside the data directory and every node holds it), else from a random 32-byte
 * secret kept owner-only in the data directory ({@value #FILE}, made at the first start that needs it).
 */
public final class StateFileKey {
    /** The data directory's secret, when there is no key-encryption key. */
    public static final String FILE = "state-files.key";
    private static final int SECRET_BYTES = 32;

    private StateFileKey() {
    }

    /**
     * The AES-256 key of the state file {@code purpose} ("verified tokens").
     *
     * @param keyEncryptionKey the shared store's KEK, or null (embedded store): then the data directory's secret
     * @throws java.io.UncheckedIOException the data directory's secret cannot be read or made (a start-up failure)
     */
    public static SecretKey of(Path dataDir, SecretKey keyEncryptionKey, String purpose) {
        byte[] secret;
        try {
            secret = keyEncryptionKey != null ? keyEncryptionKey.getEncoded() : dataDirSecret(dataDir.resolve(FILE));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read or make " + dataDir.resolve(FILE) + ": " + e.getMessage(), e);
        }
        try {
            return new SecretKeySpec(DeviceSecrets.derive(secret, "edgeauth state file " + purpose + " v1"), "AES");
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    private static byte[] dataDirSecret(Path file) throws IOException {
        if (Files.exists(file)) {
            byte[] secret = Files.readAllBytes(file);
            if (secret.length != SECRET_BYTES) {
                throw new IOException(file + " holds " + secret.length + " bytes, not " + SECRET_BYTES);
            }
            return secret;
        }
        byte[] secret = new byte[SECRET_BYTES];
        new SecureRandom().nextBytes(secret);
        StateFiles.write(file, out -> out.write(secret)); // owner-only, through a temporary file
        return secret.clone();
    }
}
