package io.edgeauth.broker.net;

import java.lang.management.ManagementFactory;

/**
 * The process's open-file limit, from which the listeners' connection bounds are derived when config leaves them at 0:
 * HTTP may hold a quarter ({@code http.maxConnections}), MQTT the rest but a reserve ({@code mqtt.maxConnections}), so
 * neither can take the descriptors the other, the stores, the audit log and outgoing connections (Redis, JWKS) need.
 */
public final class OpenFiles {
    /** Descriptors kept for what is not a client connection: store and log files, Redis, JWKS fetches, CoAP sockets. */
    public static final int RESERVE = 1024;
    private static final long UNKNOWN = 40_000; // the JVM cannot tell (not a Unix): bounds as for a 40,000 limit

    private OpenFiles() {
    }

    /** The limit, where the JVM can tell; else 40,000. */
    public static long limit() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            return unix.getMaxFileDescriptorCount();
        }
        return UNKNOWN;
    }

    /** Default of {@code http.maxConnections}: a quarter of the limit, at least 64. */
    public static int httpShare(long limit) {
        return (int) Math.max(64, Math.min(Integer.MAX_VALUE, limit / 4));
    }

    /**
     * Default of {@code mqtt.maxConnections}: the limit but HTTP's quarter and {@link #RESERVE} (an eighth of a limit
     * under 8,192, so a small one still leaves MQTT most of the rest), at least 64.
     */
    public static int mqttShare(long limit) {
        return (int) Math.max(64, Math.min(Integer.MAX_VALUE, limit - limit / 4 - Math.min(RESERVE, limit / 8)));
    }
}
