package io.edgeauth.broker.keys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Optional;
import java.util.Set;

/**
 * The rule for a configured file that holds a secret (the key-encryption key, an HSM PIN, an enrollment group's
 * secret, the PSK master, a TLS server key store): only its owner may have any access to it, else start-up is
 * refused. A secret every device credential derives from must not be one {@code cat} away for every local user.
 * On a file system without POSIX modes there is nothing to check. Stateless.
 */
public final class SecretFiles {
    private SecretFiles() {
    }

    /**
     * Why {@code file} must be refused, or empty when only its owner has access, when it does not exist (other checks
     * name a missing file) or when its file system has no POSIX modes.
     *
     * @param what the file's role or config key for the message ({@code coap.pskMasterSecretFile})
     */
    public static Optional<String> openToOthers(String what, Path file) {
        if (file == null || !KeyFiles.posix(file) || !Files.exists(file)) {
            return Optional.empty();
        }
        Set<PosixFilePermission> perms;
        try {
            perms = Files.getPosixFilePermissions(file);
        } catch (IOException e) {
            return Optional.empty(); // unreadable attributes: reading the file fails next, with its own message
        }
        if (perms.stream().allMatch(p -> p.name().startsWith("OWNER"))) {
            return Optional.empty();
        }
        return Optional.of(what + " " + file + " holds a secret and is readable by others (mode "
                + java.nio.file.attribute.PosixFilePermissions.toString(perms) + "; chmod 600 it)");
    }

    /** @throws IOException with the {@link #openToOthers} reason */
    public static void requireOwnerOnly(String what, Path file) throws IOException {
        Optional<String> problem = openToOthers(what, file);
        if (problem.isPresent()) {
            throw new IOException(problem.get());
        }
    }
}
