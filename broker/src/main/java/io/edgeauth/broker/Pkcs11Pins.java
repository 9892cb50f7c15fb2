package io.edgeauth.broker;

import io.edgeauth.broker.keys.Pkcs11Token;

import io.edgeauth.broker.config.BrokerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;

/** Turns a tenant's {@code hsm} config into {@link Pkcs11Token.Settings}, reading the PIN (never logged). */
public final class Pkcs11Pins {
    private static final int MAX_PIN_FILE_BYTES = 1024;

    private Pkcs11Pins() {
    }

    /** @throws IOException naming the config key when the PIN's variable is unset or its file unreadable */
    public static Pkcs11Token.Settings settings(String tenant, BrokerConfig.Hsm h, Map<String, String> env)
            throws IOException {
        String key = "tenants[" + tenant + "].hsm";
        String pin;
        if (h.pinFile() != null) {
            if (!Files.isReadable(h.pinFile()) || Files.size(h.pinFile()) > MAX_PIN_FILE_BYTES) {
                throw new IOException(key + ".pinFile: " + h.pinFile() + " is not a readable PIN file (at most 1 KB)");
            }
            pin = new String(Files.readAllBytes(h.pinFile()), StandardCharsets.UTF_8).strip();
        } else {
            pin = env.get(h.pinEnv());
            if (pin == null || pin.isEmpty()) {
                throw new IOException(key + ".pinEnv: the environment variable " + h.pinEnv() + " is not set");
            }
        }
        return new Pkcs11Token.Settings(h.library(), h.slot(), h.slotListIndex(), pin.toCharArray());
    }

    /**
     * Opens the tenant's token; the PIN is read again from its variable or file when the token has to be logged in
     * to again (it went away and came back), so it is not kept in memory in between.
     */
    public static Pkcs11Token open(String tenant, BrokerConfig.Hsm h, Map<String, String> env) throws IOException {
        return Pkcs11Token.open(tenant, settings(tenant, h, env), () -> settings(tenant, h, env).pin());
    }
}
