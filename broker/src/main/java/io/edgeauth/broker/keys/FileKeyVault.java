package io.edgeauth.broker.keys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The single-node {@link KeyVault}: {@code <keysDir>/<tenant>/<kid>.jwk.json} and {@code state.json},
 * directories 700, files 600, written atomically ({@link KeyFiles}).
 */
public final class FileKeyVault implements KeyVault {
    private static final int MAX_FILE_BYTES = 64 * 1024;
    private static final String STATE_FILE = "state.json";

    private final Path keysDir;

    public FileKeyVault(Path keysDir) throws IOException {
        this.keysDir = keysDir;
        KeyFiles.secureDirectory(keysDir.getParent());
        KeyFiles.secureDirectory(keysDir);
    }

    @Override
    public Optional<String> readState(String tenant) throws IOException {
        Path file = dir(tenant).resolve(STATE_FILE);
        return Files.exists(file) ? Optional.of(KeyFiles.read(file, MAX_FILE_BYTES)) : Optional.empty();
    }

    @Override
    public void writeState(String tenant, String json) throws IOException {
        KeyFiles.writeAtomically(dir(tenant).resolve(STATE_FILE), json);
    }

    @Override
    public boolean createState(String tenant, String json) throws IOException {
        writeState(tenant, json); // one process per data directory: nobody to race
        return true;
    }

    @Override
    public String readKey(String tenant, String kid) throws IOException {
        return KeyFiles.read(dir(tenant).resolve(kid + ".jwk.json"), MAX_FILE_BYTES);
    }

    @Override
    public Optional<String> findKey(String tenant, String kid) throws IOException {
        Path file = dir(tenant).resolve(kid + ".jwk.json");
        return Files.exists(file) ? Optional.of(KeyFiles.read(file, MAX_FILE_BYTES)) : Optional.empty();
    }

    @Override
    public void writeKey(String tenant, String kid, String privateJwkJson) throws IOException {
        KeyFiles.writeAtomically(dir(tenant).resolve(kid + ".jwk.json"), privateJwkJson);
    }

    @Override
    public void deleteKey(String tenant, String kid) throws IOException {
        Files.deleteIfExists(dir(tenant).resolve(kid + ".jwk.json"));
    }

    @Override
    public <T> T exclusive(String tenant, IoAction<T> action) throws IOException {
        return action.run();
    }

    @Override
    public void onChange(Consumer<String> tenantChanged) {
        // one node: every change is this node's own
    }

    private Path dir(String tenant) throws IOException {
        Path dir = keysDir.resolve(KeyIds.requireTenant(tenant));
        KeyFiles.secureDirectory(dir);
        return dir;
    }
}
