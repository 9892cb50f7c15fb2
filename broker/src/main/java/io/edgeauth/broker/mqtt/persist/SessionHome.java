package io.edgeauth.broker.mqtt.persist;

import io.edgeauth.broker.router.RoutedMessage;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Where persistent MQTT sessions live when several nodes share them ({@code store.type: redis}): which node
 * owns a session, its description, and a copy of the QoS 1 messages it still owes (kept through the journal's
 * {@link SessionJournal.Mirror}), so that a client reconnecting to another node resumes its session there.
 * With one node there is no home and sessions stay in the node's journal only. Implementations are thread-safe.
 */
public interface SessionHome {

    /** What the MQTT edge does for the home. Called on the home's threads: must not block. */
    interface Sessions {
        /** Another node took the session over: end its connection here (takeover) and forget it locally. */
        void movedAway(String key);

        /** A message another node forwarded to the session; false when this node does not hold it. */
        boolean deliver(String key, RoutedMessage message);
    }

    /** A queued message as the home holds it: its id there and the message. */
    record Entry(String id, RoutedMessage message) {
    }

    /**
     * The outcome of a claim: refused (the session belongs to another principal), or granted with what
     * another node left (its description, null when there is nothing to take: a new session, this node's own
     * session, or a clean start, and its queued messages oldest first).
     */
    record Claim(boolean refused, PersistedSession moved, List<Entry> messages) {
        public Claim {
            messages = List.copyOf(messages);
        }
    }

    /** Connects the home to the edge's sessions (once, before the edge starts). */
    void attach(Sessions sessions);

    /** The journal's mirror: queued messages of persistent sessions are copied to the home before acknowledgement. */
    SessionJournal.Mirror mirror();

    /**
     * Makes this node the session's owner in one atomic step, telling the previous owner (which ends its
     * connection and forgets the session); a clean start also empties what the home kept. {@code heldHere}:
     * this node holds the session in memory (it need not be sent again if this node owned it). Completes
     * exceptionally when the home cannot be reached.
     */
    CompletableFuture<Claim> claim(String key, String principal, boolean cleanStart, boolean heldHere);

    /** The claimed session is bound here: messages forwarded to it meanwhile may be delivered now. */
    void claimed(String key);

    /**
     * At start-up: whether this node still owns a journaled session (present: yes; the home then forgets its
     * copies, and the journal's messages are copied to it again through the {@link #mirror}).
     */
    Optional<Claim> reload(String key);

    /** The session's description changed (connect, subscriptions). */
    void saved(PersistedSession session);

    /** The session's client went away: the home keeps it for the expiry interval. */
    void offline(String key, long expirySeconds);

    /** The session ended here (expired, clean start): the home forgets it if this node still owns it. */
    void ended(String key);

    /** This node no longer owns the session: its local removals must not touch what the new owner took. */
    void forget(String key);
}
