package io.edgeauth.broker.coap;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.californium.core.coap.EmptyMessage;
import org.eclipse.californium.core.coap.Request;
import org.eclipse.californium.core.network.interceptors.MessageInterceptorAdapter;
import org.eclipse.californium.core.observe.ObserveRelation;
import org.eclipse.californium.elements.EndpointContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Observe relations on {@code /d/{id}/down}: one router subscription per relation, indexed by relation and
 * by peer so ending a session touches only its own; ended (with a 4.01 notification) when their session ends,
 * expires or no longer allows the topic. One principal holds at most {@code maxPerPrincipal} relations.
 * <p>
 * A relation that ends otherwise (the device cancels or re-registers, a notification is not acknowledged) leaves
 * its subscription and its waiting commands parked for {@code retention}: the principal's next registration on
 * the same topic takes them over, so commands published while the device was away, or still unacknowledged, reach
 * it then (Californium gives a re-registration a new relation). Commands still parked when the retention runs out
 * are dropped and counted. A retention of zero parks nothing. Thread-safe.
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
        /** Set when this edge ends the relation (session ended, ACL): its commands are not parked. */
        volatile boolean cancelled;
        /** The endpoint context of the device's latest message over DTLS, or null: where notifications go. */
        private volatile EndpointContext latest;

        Watch(String peerKey, CoapSessions.PrincipalKey principal, String topic, DeviceResources.Down resource,
              ObserveRelation relation, ObservedCommands commands) {
            this.peerKey = peerKey;
            this.principal = principal;
            this.tenant = principal.tenant();
            this.topic = topic;
            this.resource = resource;
            this.relation = relation;
            this.commands = commands;
        }

        Runnable notifier() {
            return () -> resource.changed(r -> r == relation);
        }

        /**
         * The next notification ({@link ObservedCommands#notification()}), addressed to where the device's latest
         * DTLS record came from: with a connection ID (RFC 9146 §6) its address may have changed since the
         * registration (a NAT rebinding), and Scandium finds a connection by address only, so a notification to the
         * registration's address was dropped until the device registered again (tour R, R16).
         */
        org.eclipse.californium.core.coap.Response notification() {
            org.eclipse.californium.core.coap.Response notification = commands.notification();
            notification.getOptions().setObserve(commands.nextObserveNumber());
            EndpointContext context = latest;
            if (context != null) {
                notification.setDestinationContext(context);
            }
            return notification;
        }
    }

    /** Whose parked commands: a principal's on one topic. */
    private record ParkKey(CoapSessions.PrincipalKey principal, String topic) {
    }

    /** The subscription and commands of an ended relation, until {@code until}. */
    private record Parked(ObservedCommands commands, AutoCloseable subscription, Instant until) {
    }

    private final CoapMessaging messaging;
    private final CoapSessions sessions;
    private final Clock clock;
    private final int maxPerPrincipal;
    private final Duration retention;
    private final Runnable dropped;
    private final long blockFetchMillis;
    private final Map<ObserveRelation, Watch> watches = new ConcurrentHashMap<>();
    /** The same watches by peer key, so ending a session touches only its own relations. */
    private final Map<String, Set<Watch>> watchesByPeer = new ConcurrentHashMap<>();
    /** How many relations each principal holds, bounded by {@code maxPerPrincipal}. */
    private final Map<CoapSessions.PrincipalKey, Integer> countByPrincipal = new ConcurrentHashMap<>();
    private final Map<ParkKey, Parked> parked = new ConcurrentHashMap<>();

    /**
     * @param retention how long an ended relation's subscription and commands wait for the next registration
     * @param dropped   counts a command dropped: {@link ObservedCommands#CAPACITY} waited for one relation, or it
     *                  was still parked when the retention ran out
     */
    CoapObservations(CoapMessaging messaging, CoapSessions sessions, Clock clock, int maxPerPrincipal,
                     Duration retention, Runnable dropped) {
        this(messaging, sessions, clock, maxPerPrincipal, retention, dropped, CoapSettings.DEFAULT_BLOCKWISE_LIFETIME);
    }

    /**
     * @param blockFetchTime how long a device may take to fetch the blocks of a command larger than one block
     *                       (coap.blockwiseLifetime): then the command is dropped and counted, and the next goes out
     */
    CoapObservations(CoapMessaging messaging, CoapSessions sessions, Clock clock, int maxPerPrincipal,
                     Duration retention, Runnable dropped, Duration blockFetchTime) {
        this.blockFetchMillis = blockFetchTime.toMillis();
        this.messaging = messaging;
        this.sessions = sessions;
        this.clock = clock;
        this.maxPerPrincipal = maxPerPrincipal;
        this.retention = retention;
        this.dropped = dropped;
    }

    /**
     * Notes, for the DTLS listener, where each message of a peer with relations came from (requests, and the empty
     * ACKs of notifications), so their notifications follow the device ({@link Watch#address}).
     */
    MessageInterceptorAdapter addressTracker() {
        return new MessageInterceptorAdapter() {
            @Override
            public void receiveRequest(Request request) {
                seen(request.getSourceContext());
            }

            @Override
            public void receiveEmptyMessage(EmptyMessage message) {
                seen(message.getSourceContext());
            }
        };
    }

    private void seen(EndpointContext context) {
        if (watchesByPeer.isEmpty() || context == null || context.getPeerIdentity() == null) {
            return;
        }
        Set<Watch> own = watchesByPeer.get(PeerIdentity.keyOf(context));
        if (own != null) {
            for (Watch w : own) {
                w.latest = context;
            }
        }
    }

    /**
     * The answer to a GET of {@code /d/{id}/down}: empty (commands come as notifications), with Max-Age
     * {@code maxAgeSeconds}, and for a registration ({@code registered} not null) its Observe number, which
     * continues the sequence of the commands' queue ({@link ObservedCommands#nextObserveNumber()}).
     */
    static org.eclipse.californium.core.coap.Response answer(Watch registered, long maxAgeSeconds) {
        org.eclipse.californium.core.coap.Response answer = new org.eclipse.californium.core.coap.Response(
                org.eclipse.californium.core.coap.CoAP.ResponseCode.CONTENT);
        answer.setPayload(new byte[0]);
        answer.getOptions().setMaxAge(maxAgeSeconds)
                .setContentFormat(org.eclipse.californium.core.coap.MediaTypeRegistry.APPLICATION_OCTET_STREAM);
        if (registered != null) {
            answer.getOptions().setObserve(registered.commands.nextObserveNumber());
        }
        return answer;
    }

    /** The relation's watch, or null when it has none (a registration, or one that ended). */
    Watch of(ObserveRelation relation) {
        return relation == null ? null : watches.get(relation);
    }

    int count() {
        return watches.size();
    }

    /** Ended relations whose subscription and commands wait for the next registration. */
    int parkedCount() {
        return parked.size();
    }

    Map<ObserveRelation, Watch> view() {
        return watches;
    }

    /**
     * Registers a relation of the session bound to {@code peerKey}: it takes over the principal's parked
     * subscription and commands on {@code topic}, if any, else subscribes its device's whole command subtree;
     * throws what the router threw, with the registration undone. Commands wait until the caller has answered
     * the registration and called {@link ObservedCommands#start()}.
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
        Parked kept = parked.remove(new ParkKey(principal, topic));
        Watch w = new Watch(peerKey, principal, topic, resource, relation,
                kept != null ? kept.commands : new ObservedCommands(null, dropped, clock));
        w.commands.moveTo(w.notifier());
        if (kept != null) {
            w.subscription = kept.subscription;
        } else {
            try {
                // the whole subtree, as an MQTT device's d/{id}/down/# (which matches d/{id}/down itself too)
                w.subscription = messaging.subscribe(w.tenant, topic + "/#", w.commands::offer);
            } catch (RuntimeException e) {
                release(principal);
                throw e;
            }
        }
        // published only with its subscription set, so a removal racing this one always ends or parks it
        watches.put(relation, w);
        watchesByPeer.computeIfAbsent(peerKey, k -> ConcurrentHashMap.newKeySet()).add(w);
        if (relation.isCanceled()) { // ended while it registered: Californium's removal may have come first
            removed(relation);
        }
        return true;
    }

    private void release(CoapSessions.PrincipalKey principal) {
        countByPrincipal.computeIfPresent(principal, (k, n) -> n <= 1 ? null : n - 1);
    }

    /** Called by the resource when Californium removes a relation (client cancel, RST, timeout, our 4.01). */
    void removed(ObserveRelation relation) {
        Watch w = watches.remove(relation);
        if (w != null) {
            watchesByPeer.computeIfPresent(w.peerKey, (k, set) -> {
                set.remove(w);
                return set.isEmpty() ? null : set;
            });
            release(w.principal);
            if (w.cancelled || retention.isZero() || !park(w)) {
                closeQuietly(w.subscription);
            }
        }
    }

    /**
     * Parks an ended relation's subscription and commands for the principal's next registration on its topic;
     * false when another relation of the principal on that topic is live or parked already (it gets the same
     * commands).
     */
    private boolean park(Watch ended) {
        if (liveOn(ended.peerKey, ended)) { // a re-registration comes from the same peer
            return false;
        }
        for (String peer : sessions.peersOf(ended.principal)) {
            if (liveOn(peer, ended)) {
                return false;
            }
        }
        ended.commands.moveTo(null);
        Parked p = new Parked(ended.commands, ended.subscription, clock.instant().plus(retention));
        return parked.putIfAbsent(new ParkKey(ended.principal, ended.topic), p) == null;
    }

    /** True when {@code peerKey} holds a relation of {@code ended}'s principal on its topic. */
    private boolean liveOn(String peerKey, Watch ended) {
        Set<Watch> own = watchesByPeer.get(peerKey);
        if (own != null) {
            for (Watch w : own) {
                if (w.principal.equals(ended.principal) && w.topic.equals(ended.topic)) {
                    return true;
                }
            }
        }
        return false;
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
        w.cancelled = true;
        try {
            w.resource.clearAndNotifyObserveRelations(r -> r == w.relation, CoapCodes.observationEnded());
        } finally {
            removed(w.relation);
        }
    }

    /**
     * The principal's access ended (deleted, moved to another tenant, a new owner): its parked relations go with the
     * commands they hold, which were sent under the access that ended; how many relations.
     */
    int forgetParked(String tenant, String principal) {
        CoapSessions.PrincipalKey who = new CoapSessions.PrincipalKey(tenant, principal);
        int forgotten = 0;
        for (Map.Entry<ParkKey, Parked> e : parked.entrySet()) {
            if (e.getKey().principal().equals(who) && parked.remove(e.getKey(), e.getValue())) {
                discard(e.getValue());
                forgotten++;
            }
        }
        return forgotten;
    }

    private void discard(Parked p) {
        closeQuietly(p.subscription);
        for (int i = p.commands.waiting(); i > 0; i--) {
            dropped.run();
        }
    }

    /**
     * Periodic: relations whose session expired, was dropped or no longer allows the topic are cancelled; parked
     * commands whose retention ran out are dropped.
     */
    void sweep() {
        try {
            Instant now = clock.instant();
            for (Map.Entry<ParkKey, Parked> e : parked.entrySet()) {
                Parked p = e.getValue();
                if (p.until.isBefore(now) && parked.remove(e.getKey(), p)) {
                    discard(p);
                }
            }
            for (Watch w : watches.values()) {
                w.commands.dropUnfetched(blockFetchMillis);
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

    /**
     * Ends every router subscription, then returns what every live and parked relation has waiting, one entry per
     * principal and topic (relations of one principal on one topic get the same commands): kept across a clean stop.
     * Unsubscribed first, so no command routed meanwhile is missed; one acknowledged meanwhile is left out.
     */
    List<CoapCommandsFile.Kept> unsubscribeAndKeep() {
        watches.values().forEach(w -> closeQuietly(w.subscription));
        parked.values().forEach(p -> closeQuietly(p.subscription));
        Map<ParkKey, CoapCommandsFile.Kept> kept = new java.util.LinkedHashMap<>();
        parked.forEach((key, p) -> kept.put(key, kept(key, p.commands)));
        for (Watch w : watches.values()) {
            ParkKey key = new ParkKey(w.principal, w.topic);
            kept.computeIfAbsent(key, k -> kept(k, w.commands));
        }
        return List.copyOf(kept.values());
    }

    private static CoapCommandsFile.Kept kept(ParkKey key, ObservedCommands commands) {
        return new CoapCommandsFile.Kept(key.principal().tenant(), key.principal().principal(), key.topic(),
                commands.waitingCommands());
    }

    /**
     * Parks what a clean stop kept, each with a router subscription, for the retention from now: the principal's
     * next registration takes it over as any parked relation. Returns how many were parked; one the router refused
     * is logged and left out.
     */
    int restore(List<CoapCommandsFile.Kept> kept) {
        Instant until = clock.instant().plus(retention);
        int restored = 0;
        for (CoapCommandsFile.Kept k : kept) {
            ObservedCommands commands = new ObservedCommands(null, dropped, clock);
            for (ObservedCommands.Command c : k.commands()) {
                commands.offer(c.topic, c.payload, c.expiresAtMillis);
            }
            ParkKey key = new ParkKey(new CoapSessions.PrincipalKey(k.tenant(), k.principal()), k.topic());
            try {
                AutoCloseable subscription = messaging.subscribe(k.tenant(), k.topic() + "/#", commands::offer);
                if (parked.putIfAbsent(key, new Parked(commands, subscription, until)) == null) {
                    restored++;
                } else {
                    closeQuietly(subscription);
                }
            } catch (RuntimeException e) {
                LOG.warn("commands kept for {} on {} not restored: {}", k.principal(), k.topic(), e.toString());
            }
        }
        return restored;
    }

    /** Ends every router subscription (the edge stops; Californium drops the relations itself). */
    void clear() {
        for (Watch w : watches.values()) {
            closeQuietly(w.subscription);
        }
        for (Parked p : parked.values()) {
            closeQuietly(p.subscription);
        }
        parked.clear();
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
