package io.edgeauth.broker.mqtt;

import io.edgeauth.broker.auth.DeviceSession;
import io.edgeauth.broker.auth.PrincipalKind;
import io.edgeauth.broker.policy.TopicAcl;
import io.edgeauth.broker.policy.TopicFilters;
import io.edgeauth.broker.router.SharedFilter;
import io.edgeauth.broker.router.SharedRedelivery;
import io.edgeauth.broker.router.SubscriberQueue;
import io.edgeauth.broker.router.TopicRouter;
import io.edgeauth.broker.router.Subscription;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

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
    /** Set when another node took the session over: ending it here must leave the shared home alone. */
    volatile boolean movedAway;
    /** Set when its principal's access ended ({@link SessionAccessCleanup}): the session ends with its connection. */
    volatile boolean accessEnded;

    /**
     * The client id the broker gives a client that sent none: a device's is its id (one session per device), a
     * wallet's its DID plus a random suffix, so each browser tab or app of one wallet has its own session.
     */
    static String assignedClientId(DeviceSession session) {
        if (session.kind() != PrincipalKind.WALLET) {
            return session.principal();
        }
        return session.principal() + '#' + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
    }

    /** Whether {@code session}'s principal may resume or end this session: only the principal that created it. */
    boolean belongsTo(DeviceSession session) {
        return principal.equals(session.principal()) && tenant.equals(session.tenant());
    }

    /**
     * The one re-check of a session's subscriptions against what its current token allows, run when a session is
     * resumed and when its token is renewed: every subscription the ACL no longer covers is dropped at once.
     */
    void retainAllowed(TopicAcl acl, TopicRouter router) {
        boolean dropped = false;
        for (Subscription sub : List.copyOf(subscriptions.values())) {
            if (!acl.maySubscribe(SharedFilter.parse(sub.filter()).filter()) && subscriptions.remove(sub.filter(), sub)) {
                router.unsubscribe(sub);
                dropped = true;
            }
        }
        if (dropped) {
            // what the dropped subscriptions queued while the session was away goes with them: a former owner's
            // session must not be handed the device's messages published after the transfer
            queue.purge(m -> subscriptions.values().stream().noneMatch(s -> TopicFilters.matches(s.topicFilter(), m.topic())),
                    SubscriberQueue.DROP_ACCESS_CHANGED);
        }
    }

    /**
     * The session ended here: what it owed through share groups goes to their other members (MQTT 5 §4.8.2), not when
     * it moved to another node, which has it now.
     */
    void handBackShared(java.util.function.Consumer<String> onDrop) {
        if (!movedAway) {
            SharedRedelivery.handBack(queue, onDrop);
        }
    }

    /**
     * The packet ids of the client's QoS 2 PUBLISHes routed and not yet released by its PUBREL (MQTT 5 §4.3.3): a
     * re-send with one of them is not routed again. Created on the first QoS 2 PUBLISH (most sessions never send one);
     * kept while the session lives on this node, not journaled: after a restart or a move to another node a re-sent
     * QoS 2 PUBLISH is routed again (at least once, as QoS 1).
     */
    private volatile Set<Integer> unreleased;

    /** Whether a QoS 2 PUBLISH with {@code packetId} was routed and not released yet. */
    boolean unreleased(int packetId) {
        Set<Integer> ids = unreleased;
        return ids != null && ids.contains(packetId);
    }

    /** Records a QoS 2 PUBLISH about to be routed; false if {@code max} are unreleased already (Receive Maximum). */
    synchronized boolean holdUnreleased(int packetId, int max) {
        if (unreleased == null) {
            unreleased = ConcurrentHashMap.newKeySet();
        }
        return unreleased.size() < max && unreleased.add(packetId);
    }

    /** Releases a QoS 2 packet id (PUBREL, or a routing that failed); whether it was held. */
    boolean release(int packetId) {
        Set<Integer> ids = unreleased;
        return ids != null && ids.remove(packetId);
    }

    /**
     * The packet ids of QoS 1 PUBLISHes sent and not acknowledged, by message (by identity: a delivery put back for a
     * resend keeps its message): the current connection's, and those its predecessors left, with which their resends go
     * out again ([MQTT-4.4.0-1]: with their original Packet Identifiers). Created on the first QoS 1 delivery; in memory
     * only: after a restart or a move to another node a resend takes a new id. Guarded by this session's monitor (a
     * taken-over connection may still read its PUBACKs on another loop).
     */
    private java.util.IdentityHashMap<io.edgeauth.broker.router.RoutedMessage, Integer> sentIds;
    private java.util.IdentityHashMap<io.edgeauth.broker.router.RoutedMessage, Integer> earlierIds;

    /** A new connection took the session: what the earlier ones sent and is not acknowledged is resent with those ids. */
    synchronized void newConnection() {
        if (sentIds != null) {
            if (earlierIds == null || earlierIds.size() + sentIds.size() > 65_535) { // never more ids than that owed
                earlierIds = sentIds;
            } else {
                earlierIds.putAll(sentIds);
            }
            sentIds = null;
        }
    }

    /** The packet id an earlier connection sent {@code m} with, taken (0: none). */
    synchronized int earlierId(io.edgeauth.broker.router.RoutedMessage m) {
        Integer id = earlierIds == null ? null : earlierIds.remove(m);
        if (earlierIds != null && earlierIds.isEmpty()) {
            earlierIds = null; // every resend went out: an idle session keeps no table for them
        }
        return id == null ? 0 : id;
    }

    /** {@code m} went out with {@code packetId} on the current connection. */
    synchronized void sent(io.edgeauth.broker.router.RoutedMessage m, int packetId) {
        if (sentIds == null) {
            sentIds = new java.util.IdentityHashMap<>(8); // about the window in flight, not the default 32
        }
        sentIds.put(m, packetId);
    }

    /** {@code m} no longer waits for a PUBACK (acknowledged, or handled as sent without being sent). */
    synchronized void settled(io.edgeauth.broker.router.RoutedMessage m) {
        if (sentIds != null) {
            sentIds.remove(m);
        }
        if (earlierIds != null) {
            earlierIds.remove(m);
        }
    }

    MqttSessionState(String key, String tenant, String principal, SubscriberQueue queue) {
        this.key = key;
        this.tenant = tenant;
        this.principal = principal;
        this.queue = queue;
    }
}
