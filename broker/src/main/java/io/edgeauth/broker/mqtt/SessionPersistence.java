package io.edgeauth.broker.mqtt;

import io.edgeauth.broker.mqtt.persist.PersistedSession;
import io.edgeauth.broker.mqtt.persist.SessionJournal;
import io.edgeauth.broker.router.SubscriberQueue;
import io.edgeauth.broker.router.Subscription;
import java.util.HashMap;
import java.util.Map;

/**
 * Keeps the journal in step with the persistent MQTT sessions (Session Expiry Interval above 0, or a 3.1.1
 * session without clean session): their description and subscriptions on every change, their queued QoS 1
 * messages through the queue's journal. Sessions that end at disconnect are never written. With no journal
 * (persistence off) every call does nothing. Thread-safe.
 */
final class SessionPersistence {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SessionPersistence.class);
    private final SessionJournal journal;

    SessionPersistence(SessionJournal journal) {
        this.journal = journal;
    }

    /** The journal, or null when persistence is off. */
    SessionJournal journal() {
        return journal;
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

    /** The session ended (expired, clean start, or it was not persistent): nothing of it stays on disk. */
    void ended(MqttSessionState state) {
        if (journal != null && state.journaled) {
            state.queue.discard();
            journal.dropSession(state.key);
            state.journaled = false;
        }
    }

    /**
     * Puts the journal's sessions back into {@code edge}: each offline, with its subscriptions in the
     * router and its messages queued (sent again, with DUP, when its client resumes), expiring after its
     * interval unless resumed. Retained messages go back into the router. A resumed session is checked
     * against the new token's rights like any resume.
     */
    void restore(MqttEdge edge) {
        MqttSettings.Limits limits = edge.settings.limits();
        int sessions = 0;
        int messages = 0;
        for (SessionJournal.Restored r : journal.restore()) {
            PersistedSession p = r.session();
            SubscriberQueue queue = new SubscriberQueue(p.tenant() + "/" + p.clientId(), limits.queueLength(),
                    limits.offlineQueueLength(), limits.receiveMaximum(), limits.overflowPolicy(), edge.metrics::drop);
            queue.stuckAfter(edge.settings.backpressureTimeout());
            queue.journal(journal, p.key());
            r.messages().forEach(m -> queue.restore(m.message(), m.id()));
            MqttSessionState state = new MqttSessionState(p.key(), p.tenant(), p.principal(), queue);
            state.expirySeconds = p.expirySeconds();
            state.journaled = true;
            p.subscriptions().forEach((filter, qos) ->
                    state.subscriptions.put(filter, edge.router.subscribe(p.tenant(), filter, qos, queue)));
            edge.sessions.put(p.key(), state);
            edge.expireLater(state);
            sessions++;
            messages += r.messages().size();
        }
        journal.retainedMessages().forEach(edge.router::restoreRetained);
        if (sessions > 0) {
            LOG.info("restored {} persistent MQTT sessions with {} queued messages", sessions, messages);
        }
    }

    private void save(MqttSessionState state) {
        Map<String, Integer> subs = new HashMap<>();
        for (Map.Entry<String, Subscription> e : state.subscriptions.entrySet()) {
            subs.put(e.getKey(), e.getValue().qos());
        }
        String clientId = state.key.substring(state.key.indexOf('\u0000') + 1);
        journal.saveSession(new PersistedSession(state.key, state.tenant, clientId, state.principal,
                state.expirySeconds, subs));
        state.journaled = true;
    }
}
