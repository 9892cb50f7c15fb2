package io.edgeauth.broker.mqtt.persist;

import java.util.Map;
import java.util.Objects;

/**
 * What the journal keeps of a persistent MQTT session besides its queued messages.
 *
 * @param key           the session's key (tenant and client id)
 * @param tenant        the tenant
 * @param clientId      the MQTT client identifier
 * @param principal     who owns it (only the same principal may resume it)
 * @param expirySeconds its Session Expiry Interval (counted again from a restart)
 * @param subscriptions topic filter (shared filters as sent) to its options: the granted QoS in bits 0-1, No Local
 *                      (0x04) and Retain As Published (0x08) as MQTT 5 §3.8.3.1 lays out the options byte (a record
 *                      written before 2026-12-07 holds the QoS alone, which reads the same)
 */
public record PersistedSession(String key, String tenant, String clientId, String principal, long expirySeconds,
                               Map<String, Integer> subscriptions) {
    public PersistedSession {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(principal, "principal");
        subscriptions = Map.copyOf(subscriptions);
    }

    /** The granted QoS of a subscription's {@code options}. */
    public static int qos(int options) {
        return options & 3;
    }

    /** The journal's record of this session (also what other nodes read when the session moves to them). */
    public byte[] toBytes() {
        return Records.session(this);
    }

    /** Reads {@link #toBytes}; throws {@link IllegalArgumentException} for bytes that are not such a record. */
    public static PersistedSession fromBytes(byte[] bytes) {
        try {
            return Records.readSession(bytes);
        } catch (RuntimeException e) { // truncated, foreign version, bad UTF-8, null fields
            throw new IllegalArgumentException("not a session record: " + e.getMessage(), e);
        }
    }
}
