package io.edgeauth.broker.mqtt;

import io.edgeauth.broker.router.SubscriberQueue;
import io.edgeauth.broker.router.Subscription;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The part of an MQTT session that outlives a connection when the session is persistent: its
 * subscriptions and its bounded queue. Kept in memory, and in the session journal when persistence is
 * on (see {@link SessionPersistence}). Guarded by its own monitor for owner changes.
 */
final class MqttSessionState {
    final String key;
    final String tenant;
    final String principal;
    final SubscriberQueue queue;
    final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
    MqttConnection owner;
    long expirySeconds;
    long expiryTimer = -1;
    /** A will held back by its Will Delay Interval (MQTT 5), published when the delay or the session ends. */
    Runnable pendingWill;
    long willTimer = -1;
    /** Whether the session journal holds this session (see {@link SessionPersistence}). */
    volatile boolean journaled;

    MqttSessionState(String key, String tenant, String principal, SubscriberQueue queue) {
        this.key = key;
        this.tenant = tenant;
        this.principal = principal;
        this.queue = queue;
    }
}
