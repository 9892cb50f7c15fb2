package io.edgeauth.broker.mqtt;

import io.edgeauth.broker.mqtt.persist.PersistedSession;
import io.edgeauth.broker.mqtt.persist.SessionHome;
import io.edgeauth.broker.mqtt.persist.SessionJournal;
import io.edgeauth.broker.router.RoutedMessage;
import io.edgeauth.broker.router.SubscriberQueue;
import io.edgeauth.broker.router.Subscription;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Keeps the journal in step with the persistent MQTT sessions (Session Expiry Interval above 0, or a 3.1.1
 * session without clean session): their description and subscriptions on every change, their queued QoS 1
 * messages through the queue's journal. Sessions that end at disconnect are never written. With no journal
 * (persistence off) every call does nothing. With several nodes the sessions also live in the
 * {@link SessionHome}, which moves them between nodes ({@link #adopt}, {@link #movedAway}). Thread-safe.
 */
final class SessionPersistence implements SessionHome.Sessions {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SessionPersistence.class);
    private final SessionJournal journal;
    private final SessionHome home;
    private MqttEdge edge;

    SessionPersistence(SessionJournal journal) {
        this(journal, null);
    }

    SessionPersistence(SessionJournal journal, SessionHome home) {
        this.journal = journal;
        this.home = home;
    }

    /** The journal, or null when persistence is off. */
    SessionJournal journal() {
        return journal;
    }

    /** The shared home of sessions (several nodes), or null. */
    SessionHome home() {
        return home;
    }

    /** After (re)connect: journal the session if it outlives its connection, forget it if it no longer does. */
    void track(MqttSessionState state) {
        if (journal == null) {
            return;
        }
        if (state.expirySeconds > 0) {
            state.queue.journal(journal, state.key);
            save(state);
        } else if (state.journaled) {
            state.queue.journal(null, null);
            journal.dropSession(state.key);
            state.journaled = false;
        }
    }

    /** After a SUBSCRIBE, UNSUBSCRIBE or a prune at resume. */
    void subscriptionsChanged(MqttSessionState state) {
        if (journal != null && state.journaled) {
            save(state);
        }
    }

    /** After a DISCONNECT gave the session another Session Expiry Interval (above 0; 0 ends it). */
    void expiryChanged(MqttSessionState state) {
        subscriptionsChanged(state);
    }

    /** The session's client went away; the session waits for its expiry (here, and in the home). */
    void offline(MqttSessionState state) {
        if (home != null && state.journaled) {
            home.offline(state.key, state.expirySeconds);
        }
    }

    /** The session ended (expired, clean start, or it was not persistent): nothing of it stays on disk. */
    void ended(MqttSessionState state) {
        if (journal != null && state.journaled) {
            state.queue.discard();
            journal.dropSession(state.key);
            state.journaled = false;
        }
        if (home != null && !state.movedAway) {
            home.ended(state.key);
        }
    }

    /**
     * Puts the journal's sessions back into {@code edge}: each offline, with its subscriptions in the
     * router and its messages queued (sent again, with DUP, when its client resumes), expiring after its
     * interval unless resumed. Retained messages go back into the router. A resumed session is checked
     * against the new token's rights like any resume. With a home, only the sessions this node still owns
     * come back (another node may have taken one meanwhile), and their messages are copied to the home again.
     */
    void restore(MqttEdge target) {
        this.edge = target;
        if (home != null) {
            home.attach(this);
        }
        int sessions = 0;
        int messages = 0;
        for (SessionJournal.Restored r : journal.restore()) {
            PersistedSession p = r.session();
            Optional<SessionHome.Claim> shared = home == null ? Optional.empty() : home.reload(p.key());
            if (home != null && shared.isEmpty()) {
                r.messages().forEach(m -> journal.remove(m.id())); // moved to another node, or expired there
                journal.dropSession(p.key());
                continue;
            }
            MqttSessionState state = rebuild(p, queue -> r.messages().forEach(m -> {
                queue.restore(m.message(), m.id());
                if (home != null) { // the journal holds all the home held (and what Redis refused): copied again
                    home.mirror().appended(p.key(), m.id(), m.message());
                }
            }));
            target.expireLater(state);
            sessions++;
            messages += r.messages().size();
        }
        journal.retainedMessages().forEach(target.router::restoreRetained);
        if (sessions > 0) {
            LOG.info("restored {} persistent MQTT sessions with {} queued messages", sessions, messages);
        }
    }

    /**
     * Takes in a session another node owned (its description and the messages it still owes, unacknowledged
     * ones included), replacing any stale local copy; the caller then binds it like a local session.
     */
    MqttSessionState adopt(SessionHome.Claim claim) {
        PersistedSession p = claim.moved();
        MqttSessionState stale = edge.sessions.get(p.key());
        if (stale != null) {
            dropLocally(stale);
        }
        return rebuild(p, queue -> claim.messages().forEach(e ->
                queue.restore(e.message(), journal.adopt(p.key(), e.message(), e.id()))));
    }

    private MqttSessionState rebuild(PersistedSession p, Consumer<SubscriberQueue> fill) {
        MqttSettings.Limits limits = edge.settings.limits();
        SubscriberQueue queue = new SubscriberQueue(p.tenant() + "/" + p.clientId(), limits.queueLength(),
                limits.offlineQueueLength(), limits.receiveMaximum(), limits.overflowPolicy(), edge.metrics::drop);
        queue.stuckAfter(edge.settings.backpressureTimeout());
        queue.expiryClock(edge.clock);
        queue.journal(journal, p.key());
        fill.accept(queue);
        MqttSessionState state = new MqttSessionState(p.key(), p.tenant(), p.principal(), queue);
        state.expirySeconds = p.expirySeconds();
        state.journaled = true;
        p.subscriptions().forEach((filter, options) -> {
            try {
                state.subscriptions.put(filter,
                        edge.router.subscribe(p.tenant(), filter, PersistedSession.qos(options), options, queue, false));
            } catch (IllegalArgumentException e) {
                // a filter an older build took and this one refuses (tour AH, AH3): the session comes back without it
                // rather than the whole restore failing, which kept the broker from starting
                LOG.warn("session {}: journaled subscription refused and left out: {}", p.clientId(), e.getMessage());
            }
        });
        if (edge.sessions.put(p.key(), state) == null) {
            edge.slots.restored(p.tenant() + '\u0000' + p.principal());
        }
        return state;
    }

    @Override
    public void movedAway(String key) {
        MqttSessionState state = edge.sessions.get(key);
        if (state == null) {
            return;
        }
        MqttConnection previousOwner = dropLocally(state);
        if (previousOwner != null) {
            previousOwner.executor.execute(previousOwner::takenOver);
        }
    }

    /**
     * Forgets a session that now lives on another node: its connection here (returned, to be ended) no longer
     * owns it, its will is dropped (the client resumed it elsewhere), and nothing the new owner took is removed.
     */
    private MqttConnection dropLocally(MqttSessionState state) {
        MqttConnection previousOwner;
        state.movedAway = true;
        synchronized (state) {
            previousOwner = state.owner;
            state.owner = null;
            if (previousOwner != null) {
                previousOwner.resumedElsewhere = true;
            }
            if (state.expiryTimer >= 0) {
                edge.vertx.cancelTimer(state.expiryTimer);
                state.expiryTimer = -1;
            }
            edge.takePendingWill(state);
        }
        home.forget(state.key);
        edge.destroy(state);
        return previousOwner;
    }

    @Override
    public boolean deliver(String key, RoutedMessage message) {
        MqttSessionState state = edge == null ? null : edge.sessions.get(key);
        if (state == null) {
            return false;
        }
        state.queue.offer(message, message.qos());
        return true;
    }

    private void save(MqttSessionState state) {
        Map<String, Integer> subs = new HashMap<>();
        for (Map.Entry<String, Subscription> e : state.subscriptions.entrySet()) {
            subs.put(e.getKey(), e.getValue().options());
        }
        String clientId = state.key.substring(state.key.indexOf('\u0000') + 1);
        PersistedSession description = new PersistedSession(state.key, state.tenant, clientId, state.principal,
                state.expirySeconds, subs);
        journal.saveSession(description);
        state.journaled = true;
        if (home != null) {
            home.saved(description);
        }
    }
}
