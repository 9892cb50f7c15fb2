package io.edgeauth.broker.cluster;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counters of cross-node routing: {@code edgeauth_cluster_forwarded_total{qos}} (messages handed to
 * another node's inbox), {@code edgeauth_cluster_received_total} (inbox entries delivered here),
 * {@code edgeauth_cluster_handoff_failures_total} (QoS 1 hand-overs Redis refused: the publisher was
 * told), {@code edgeauth_cluster_qos0_dropped_total} and {@code edgeauth_cluster_inbox_bad_total}
 * (entries that were not a message record), {@code edgeauth_cluster_sessions_moved_total} and
 * {@code edgeauth_cluster_salvaged_total} (messages for a moved session taken from its previous owner's inbox),
 * {@code edgeauth_cluster_store_data_lost_total} (times this node found its lease entry gone: Redis lost its data).
 */
final class ClusterMetrics {
    private final Counter forwarded0;
    private final Counter forwarded1;
    private final Counter received;
    private final Counter handOffFailures;
    private final Counter qos0Dropped;
    private final Counter bad;
    private final Counter sessionsMoved;
    private final Counter salvaged;
    private final Counter dataLost;

    ClusterMetrics(MeterRegistry meters) {
        forwarded0 = meters.counter("edgeauth.cluster.forwarded", "qos", "0");
        forwarded1 = meters.counter("edgeauth.cluster.forwarded", "qos", "1");
        received = meters.counter("edgeauth.cluster.received");
        handOffFailures = meters.counter("edgeauth.cluster.handoff.failures");
        qos0Dropped = meters.counter("edgeauth.cluster.qos0.dropped");
        bad = meters.counter("edgeauth.cluster.inbox.bad");
        sessionsMoved = meters.counter("edgeauth.cluster.sessions.moved");
        salvaged = meters.counter("edgeauth.cluster.salvaged");
        dataLost = meters.counter("edgeauth.cluster.store.data.lost");
    }

    void forwarded(int qos) {
        (qos == 0 ? forwarded0 : forwarded1).increment();
    }

    void received(int n) {
        received.increment(n);
    }

    void handOffFailed() {
        handOffFailures.increment();
    }

    void qos0Dropped() {
        qos0Dropped.increment();
    }

    /** A persistent MQTT session came to this node from another one. */
    void sessionMoved() {
        sessionsMoved.increment();
    }

    /** A message for a session that moved here was taken from its previous owner's inbox. */
    void salvaged() {
        salvaged.increment();
    }

    /** This node's lease entry was gone from Redis: Redis lost its data (or forgot this node). */
    void storeDataLost() {
        dataLost.increment();
    }

    void badEntry() {
        bad.increment();
    }
}
