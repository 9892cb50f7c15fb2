package io.edgeauth.broker.coap;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.californium.core.observe.ObserveRelation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Observe relations on {@code /d/{id}/down}: one router subscription per relation, indexed by relation and
 * by peer so ending a session touches only its own; ended (with a 4.01 notification) when their session ends,
 * expires or no longer allows the topic. One principal holds at most {@code maxPerPrincipal} relations. Thread-safe.
 */
final class CoapObservations {
    private static final Logger LOG = LoggerFactory.getLogger(EdgeHandlers.class);

    /** One Observe relation on {@code /d/{id}/down}: its router subscription and the commands waiting for it. */
    static final class Watch {
        final String peerKey;
        final CoapSessions.PrincipalKey principal;
        final String tenant;
        final String topic;
        final DeviceResources.Down resource;
        final ObserveRelation relation;
        final ObservedCommands commands;
        volatile AutoCloseable subscription;

        Watch(String peerKey, CoapSessions.PrincipalKey principal, String topic, DeviceResources.Down resource,
              ObserveRelation relation, Runnable dropped) {
            this.peerKey = peerKey;
            this.principal = principal;
            this.tenant = principal.tenant();
            this.topic = topic;
            this.resource = resource;
            this.relation = relation;
            this.commands = new ObservedCommands(() -> resource.changed(r -> r == relation), dropped);
        }
    }

    private final CoapMessaging messaging;
    private final CoapSessions sessions;
    private final Clock clock;
    private final int maxPerPrincipal;
    private final Runnable dropped;
    private final Map<ObserveRelation, Watch> watches = new ConcurrentHashMap<>();
    /** The same watches by peer key, so ending a session touches only its own relations. */
    private final Map<String, Set<Watch>> watchesByPeer = new ConcurrentHashMap<>();
    /** How many relations each principal holds, bounded by {@code maxPerPrincipal}. */
    private final Map<CoapSessions.PrincipalKey, Integer> countByPrincipal = new ConcurrentHashMap<>();

    /** @param dropped counts a command dropped because {@link ObservedCommands#CAPACITY} waited for one relation */
    CoapObservations(CoapMessaging messaging, CoapSessions sessions, Clock clock, int maxPerPrincipal,
                     Runnable dropped) {
        this.messaging = messaging;
        this.sessions = sessions;
        this.clock = clock;
        this.maxPerPrincipal = maxPerPrincipal;
        this.dropped = dropped;
    }

    /** The relation's watch, or null when it has none (a registration, or one that ended). */
    Watch of(ObserveRelation relation) {
        return relation == null ? null : watches.get(relation);
    }

    int count() {
        return watches.size();
    }

    Map<ObserveRelation, Watch> view() {
        return watches;
    }

    /**
     * Registers a relation of the session bound to {@code peerKey} and subscribes its device's whole command
     * subtree; throws what the router threw, with the registration undone. Commands wait until the caller has
     * answered the registration and called {@link ObservedCommands#start()}.
     *
     * @return false, registering nothing, when the session's principal already holds {@code maxPerPrincipal}
     */
    boolean register(String peerKey, CoapSessions.Bound b, String topic, DeviceResources.Down resource,
                     ObserveRelation relation) {
        CoapSessions.PrincipalKey principal = CoapSessions.PrincipalKey.of(b);
        boolean[] admitted = new boolean[1];
        countByPrincipal.compute(principal, (k, held) -> {
            int n = held == null ? 0 : held;
            if (n >= maxPerPrincipal) {
                return held;
            }
            admitted[0] = true;
            return n + 1;
        });
        if (!admitted[0]) {
            return false;
        }
        Watch w = new Watch(peerKey, principal, topic, resource, relation, dropped);
        watches.put(relation, w);
        watchesByPeer.computeIfAbsent(peerKey, k -> ConcurrentHashMap.newKeySet()).add(w);
        try {
            // the whole subtree, as an MQTT device's d/{id}/down/# (which matches d/{id}/down itself too)
            w.subscription = messaging.subscribe(w.tenant, topic + "/#", w.commands::offer);
        } catch (RuntimeException e) {
            removed(relation);
            throw e;
        }
        return true;
    }

    /** Called by the resource when Californium removes a relation (client cancel, RST, timeout, our 4.01). */
    void removed(ObserveRelation relation) {
        Watch w = watches.remove(relation);
        if (w != null) {
            watchesByPeer.computeIfPresent(w.peerKey, (k, set) -> {
                set.remove(w);
                return set.isEmpty() ? null : set;
            });
            countByPrincipal.computeIfPresent(w.principal, (k, n) -> n <= 1 ? null : n - 1);
            closeQuietly(w.subscription);
        }
    }

    /** Cancels every Observe relation of a peer with a 4.01 notification. */
    void cancelAll(String peerKey, String why) {
        Set<Watch> own = watchesByPeer.get(peerKey);
        if (own == null) {
            return;
        }
        for (Watch w : List.copyOf(own)) {
            cancel(w, why);
        }
    }

    private void cancel(Watch w, String why) {
        LOG.debug("cancelling Observe of {} on {}: {}", w.peerKey, w.topic, why);
        try {
            w.resource.clearAndNotifyObserveRelations(r -> r == w.relation, CoapCodes.observationEnded());
        } finally {
            removed(w.relation);
        }
    }

    /** Periodic: relations whose session expired, was dropped or no longer allows the topic are cancelled. */
    void sweep() {
        try {
            Instant now = clock.instant();
            for (Watch w : watches.values()) {
                CoapSessions.Bound b = sessions.peek(w.peerKey);
                if (b == null || b.expiredAt(now)) {
                    if (b != null) {
                        sessions.drop(w.peerKey, b);
                    }
                    cancel(w, "token expired");
                } else if (!b.session().tenant().equals(w.tenant) || !b.acl().maySubscribe(w.topic)) {
                    cancel(w, "token no longer allows " + w.topic);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("Observe sweep failed", e);
        }
    }

    /** Ends every router subscription (the edge stops; Californium drops the relations itself). */
    void clear() {
        for (Watch w : watches.values()) {
            closeQuietly(w.subscription);
        }
        watches.clear();
        watchesByPeer.clear();
        countByPrincipal.clear();
    }

    /** Closes a subscription or listener registration; a failure to close is only logged. */
    static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.debug("close failed", e);
        }
    }
}
