package io.edgeauth.device;

import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Which token a {@link DeviceMqttClient} presents and in what bytes: the current one from its source,
 * as the MQTT password (the token's text, or the raw CWT when asked), and the fingerprint of the one the
 * broker last accepted, so a renewal is presented only once. Thread-safe.
 */
final class PresentedToken {
    private final Supplier<AccessToken> tokens;
    private final boolean rawCwtPassword;
    private volatile String presented;

    PresentedToken(Supplier<AccessToken> tokens, boolean rawCwtPassword) {
        this.tokens = tokens;
        this.rawCwtPassword = rawCwtPassword;
    }

    /** The current token; fails if the source has none yet. */
    AccessToken current() {
        AccessToken t = tokens.get();
        if (t == null) {
            throw new IllegalStateException("no access token yet (start the TokenManager first)");
        }
        return t;
    }

    /** The MQTT password for {@code t}. */
    byte[] password(AccessToken t) {
        return rawCwtPassword ? t.bytes() : t.value().getBytes(StandardCharsets.US_ASCII);
    }

    /** The password of the next automatic reconnect: the then-current token (null: the last one again). */
    byte[] forReconnect() {
        AccessToken t = tokens.get();
        if (t == null) {
            return null;
        }
        presented = t.fingerprint();
        return password(t);
    }

    /** The broker accepted {@code t}. */
    void accepted(AccessToken t) {
        presented = t.fingerprint();
    }

    /** True if {@code t} is the token the broker last accepted. */
    boolean isPresented(AccessToken t) {
        return t.fingerprint().equals(presented);
    }
}
