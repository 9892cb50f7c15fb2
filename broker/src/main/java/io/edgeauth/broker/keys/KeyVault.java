package io.edgeauth.broker.keys;

import java.io.IOException;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where {@link SigningKeyStore} keeps each tenant's private keys (one private JWK per kid) and its key
 * state (which kid signs, which are retired until when): owner-only files in the data directory
 * ({@link FileKeyVault}, one node) or the shared store, encrypted ({@link SharedKeyVault}, every node
 * of a deployment signs with and publishes the same keys).
 */
public interface KeyVault {

    /** The tenant's state document, or empty before its first key. */
    Optional<String> readState(String tenant) throws IOException;

    /** Replaces the tenant's state (written after the keys it names). */
    void writeState(String tenant, String json) throws IOException;

    /** Writes the tenant's first state unless one exists (another node got there first): true if written. */
    boolean createState(String tenant, String json) throws IOException;

    String readKey(String tenant, String kid) throws IOException;

    /** The key if the vault holds it, empty if it does not; an {@link IOException} only when the vault cannot answer. */
    Optional<String> findKey(String tenant, String kid) throws IOException;

    void writeKey(String tenant, String kid, String privateJwkJson) throws IOException;

    void deleteKey(String tenant, String kid) throws IOException;

    /** Runs {@code action} while no other node changes the tenant's keys. */
    <T> T exclusive(String tenant, IoAction<T> action) throws IOException;

    /**
     * Calls {@code tenantChanged} when another node changed a tenant's keys (a shared vault only), with null when
     * changes may have been missed (the store lost its data): every tenant is to be read again.
     */
    void onChange(Consumer<String> tenantChanged);

    /** An action that may fail with an {@link IOException}. */
    @FunctionalInterface
    interface IoAction<T> {
        T run() throws IOException;
    }
}
