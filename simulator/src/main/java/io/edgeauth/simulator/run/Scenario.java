package io.edgeauth.simulator.run;

import java.util.Locale;

/** The load shapes a run can take. */
public enum Scenario {
    /** Sessions arrive at {@code --arrival-rate} per second, each publishes and disconnects. */
    STEADY,
    /** Every session of the shard is due at once; concurrency decides how fast they are served. */
    STORM,
    /** Sessions stay connected ({@code --hold}) past their token's lifetime and renew it on the live connection. */
    RENEWAL,
    /** Like steady with {@code --hold}; at {@code --revoke-at} a wave of live devices is revoked and must be dropped. */
    REVOCATION,
    /**
     * Like steady with {@code --hold}; at {@code --restart-at} the broker is restarted ({@code --restart-command}, or
     * from outside) and every held session must come back within {@code --restart-window}: reconnect (CoAP: a fresh
     * DTLS handshake and token upload) and get one more QoS 1 message through.
     */
    RESTART;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Scenario parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown scenario '" + s + "'; expected steady, storm, renewal, revocation or restart");
        }
    }
}
