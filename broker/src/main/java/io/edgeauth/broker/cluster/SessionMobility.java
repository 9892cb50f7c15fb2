package io.edgeauth.broker.cluster;

import io.edgeauth.broker.mqtt.persist.PersistedSession;
import io.edgeauth.broker.mqtt.persist.SessionHome;
import io.edgeauth.broker.mqtt.persist.SessionJournal;
import io.edgeauth.broker.router.RoutedMessage;
import io.edgeauth.broker.store.redis.RedisStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Persistent MQTT sessions shared by the nodes on Redis, so a client resumes its session on any node.
 *
 * <p>Per session (key: tenant, NUL, client id): the hash {@code ea:mqtt-session:<key>} (owner node, claim
 * epoch, principal, description) and the stream {@code ea:mqtt-queue:<key>}, a copy of the QoS 1 messages the
 * session still owes (queued or unacknowledged), bounded like the local queue. One node owns a session at a
 * time: a CONNECT claims it in one script that changes the owner, tells the previous owner through its inbox
 * (an entry {@code t}: it ends its connection with 0x8E and forgets the session) and returns what the session
 * owes. A message is copied with a script that appends it to the stream only while this node is the owner,
 * and otherwise forwards it to the owner's inbox (entry {@code s}): a copy lands either before a claim (and
 * the claim returns it) or after it (and the new owner gets it), never nowhere. The journal's acknowledgement
 * waits for the copy ({@link SessionJournal.Mirror}), so a kill -9 of the owner after a PUBACK loses nothing:
 * the next owner reads the stream. Thread-safe.
 */
final class SessionMobility implements SessionHome, SessionJournal.Mirror {
    private static final Logger LOG = LoggerFactory.getLogger(SessionMobility.class);
    static final String NOTICE = "t";
    static final String EPOCH = "e";
    static final String SESSION = "s";
    /** An offline session stays in Redis this long past its expiry (its owner's timer ends it first). */
    static final long EXPIRY_MARGIN_MILLIS = 60_000;

    private final SessionScripts redis;
    private final ClusterMetrics metrics;
    private volatile Sessions sessions;
    /** Our claim epoch per session held here: a notice of an older claim (ours came after it) is stale. */
    private final Map<String, Long> epochs = new ConcurrentHashMap<>();
    /** Sessions held here whose client is away (their Redis entries carry the expiry this node gave them). */
    private final Set<String> away = ConcurrentHashMap.newKeySet();
    /** Sessions being claimed: messages forwarded to them wait until the session is bound. */
    private final Map<String, Arriving> claiming = new ConcurrentHashMap<>();
    /** Journal id to the message's copy in its session's stream (for removal). */
    private final Map<Long, Copy> copies = new ConcurrentHashMap<>();
    private final Map<String, Set<Long>> copiesOfSession = new ConcurrentHashMap<>();
    /** Sessions claimed from another node whose inbox is being read for their messages. */
    private final Map<String, InboxSalvage.Run> salvaging = new ConcurrentHashMap<>();
    private final InboxSalvage salvage;

    SessionMobility(RedisStore store, String nodeId, int queueLength, int inboxLength, int feedLength,
                    ClusterMetrics metrics) {
        this.redis = new SessionScripts(store, nodeId, queueLength, inboxLength, feedLength);
        this.metrics = metrics;
        this.salvage = new InboxSalvage(store, this::forwarded, metrics);
    }

    @Override
    public void attach(Sessions edgeSessions) {
        this.sessions = edgeSessions;
    }

    @Override
    public SessionJournal.Mirror mirror() {
        return this;
    }

    // ------------------------------------------------------------------ ownership

    @Override
    public CompletableFuture<Claim> claim(String key, String principal, boolean cleanStart, boolean heldHere) {
        Arriving arriving = new Arriving();
        claiming.put(key, arriving);
        return redis.claim(key, principal, cleanStart, heldHere).whenComplete((claim, failure) -> {
            if (failure != null || claim.refused()) {
                settle(key); // nothing will be bound: what arrived meanwhile goes where the session is
            }
        }).thenApply(claim -> {
            if (!claim.refused()) {
                epochs.put(key, claim.epoch());
                synchronized (arriving) {
                    arriving.claimEpoch = claim.epoch();
                }
                away.remove(key);
                if (claim.previousOwner() != null) {
                    metrics.sessionMoved();
                }
                PersistedSession moved = claim.claim().moved();
                if (claim.unreadFrom() != null && moved != null) {
                    salvageFrom(key, claim.previousOwner(), claim.unreadFrom(), moved);
                }
            }
            return claim.claim();
        });
    }

    /**
     * What the previous owner's inbox holds for the session is the session's too: that node forwards what it reads
     * before our claim while it lives, but nothing after, and nothing at all once dead (see {@link InboxSalvage}).
     */
    private void salvageFrom(String key, String previousOwner, String unreadFrom, PersistedSession moved) {
        InboxSalvage.Run[] run = new InboxSalvage.Run[1];
        run[0] = salvage.start(key, Inbox.key(previousOwner), unreadFrom, moved, () -> salvaging.remove(key, run[0]));
        salvaging.put(key, run[0]);
    }

    @Override
    public void claimed(String key) {
        settle(key);
    }

    private void settle(String key) {
        Arriving arriving = claiming.remove(key);
        if (arriving != null) {
            List<RoutedMessage> held;
            long supersededBy;
            synchronized (arriving) {
                arriving.closed = true;
                held = List.copyOf(arriving.messages);
                supersededBy = arriving.claimEpoch > 0 && arriving.noticeEpoch > arriving.claimEpoch
                        ? arriving.noticeEpoch : 0;
            }
            if (supersededBy > 0) {
                // another node claimed the session after us while the connection here was being bound: the notice
                // found nothing to end then (tour V, V4); the held messages go on to that node
                movedAway(key, supersededBy);
            }
            held.forEach(m -> passOn(key, m));
            arriving.done.complete(null);
        }
    }

    @Override
    public Optional<Claim> reload(String key) {
        Optional<SessionScripts.Owned> owned = redis.reload(key);
        owned.ifPresent(o -> {
            epochs.put(key, o.epoch());
            away.add(key); // restored offline, until its client comes back
        });
        return owned.map(SessionScripts.Owned::claim);
    }

    @Override
    public void saved(PersistedSession session) {
        InboxSalvage.Run run = salvaging.get(session.key());
        if (run != null) {
            run.describe(session); // subscriptions pruned at resume, or changed since, decide what it takes
        }
        redis.describe(session.key(), session.toBytes());
    }

    @Override
    public void offline(String key, long expirySeconds) {
        away.add(key);
        redis.expireIfOwned(key, expirySeconds * 1000 + EXPIRY_MARGIN_MILLIS);
    }

    @Override
    public void ended(String key) {
        epochs.remove(key);
        away.remove(key);
        forget(key);
        redis.deleteIfOwned(key);
    }

    @Override
    public void forget(String key) {
        Set<Long> ids = copiesOfSession.remove(key);
        if (ids != null) {
            ids.forEach(copies::remove);
        }
    }

    /**
     * This node's lease had ended before it renewed it (it was cut off from Redis, or stalled): the other nodes took
     * it for dead and gave the sessions of its connected clients an expiry ({@link OrphanedSessions}); or its lease
     * entry was gone (Redis lost its data). Takes back every session held here that Redis still names it the owner
     * of, and a connected one whose entry was lost; the others are no longer this node's, as at a restart: they end
     * here, or their copy would forward every message to the real owner a second time.
     */
    void leaseLapsed() {
        epochs.forEach((key, epoch) -> redis.reassert(key, !away.contains(key), epoch).thenAccept(ours -> {
            if (!ours) {
                LOG.warn("MQTT session {} is no longer this node's in Redis (Redis lost its data, or another node"
                        + " claimed it unseen): ended here", printable(key));
                movedAway(key, epoch);
            }
        }));
    }

    // ------------------------------------------------------------------ inbox entries for sessions

    /** Another node claimed {@code key} with {@code epoch}: end the session here unless we claimed it since. */
    void movedAway(String key, long epoch) {
        Long ours = epochs.get(key);
        if (ours != null && ours > epoch) {
            return; // the client came back here after that claim
        }
        epochs.remove(key);
        away.remove(key);
        Arriving arriving = claiming.get(key);
        if (arriving != null) { // a connection being bound here after its claim: ended once bound (settle)
            synchronized (arriving) {
                arriving.noticeEpoch = Math.max(arriving.noticeEpoch, epoch);
            }
        }
        Sessions s = sessions;
        if (s != null) {
            s.movedAway(key);
        }
    }

    /**
     * A message another node forwarded to the session {@code key} (it lost the session to this node while
     * copying it); completes once it is queued here or passed on to the session's owner.
     */
    CompletableFuture<Void> forwarded(String key, RoutedMessage message) {
        Arriving arriving = claiming.get(key);
        if (arriving != null) {
            synchronized (arriving) {
                if (!arriving.closed) {
                    arriving.messages.add(message);
                    return arriving.done;
                }
            }
        }
        return passOn(key, message);
    }

    private CompletableFuture<Void> passOn(String key, RoutedMessage message) {
        Sessions s = sessions;
        if (s != null && s.deliver(key, message)) {
            return CompletableFuture.completedFuture(null);
        }
        // not held here (any more): the script sends it to wherever the session is now
        return redis.append(key, message).thenApply(copy -> null);
    }

    // ------------------------------------------------------------------ the journal's mirror

    @Override
    public CompletableFuture<?> appended(String queueKey, long id, RoutedMessage message) {
        // the acknowledgement waits for the copy, or, with Redis out, for its first failed attempt only: the
        // node's journal has the message and the copy is retried until it is in (only a move to another node
        // while it is not yet there would miss it)
        CompletableFuture<Void> settled = new CompletableFuture<>();
        track(queueKey, id, redis.append(queueKey, message, settled));
        return settled;
    }

    @Override
    public void adopted(String queueKey, long id, String copyId) {
        track(queueKey, id, CompletableFuture.completedFuture(copyId));
    }

    @Override
    public void removed(long id) {
        Copy copy = copies.remove(id);
        if (copy == null) {
            return;
        }
        Set<Long> ids = copiesOfSession.get(copy.key);
        if (ids != null) {
            ids.remove(id);
        }
        copy.streamId.thenAccept(streamId -> {
            if (streamId != null) {
                redis.delete(copy.key, streamId);
            }
        });
    }

    private void track(String key, long id, CompletableFuture<String> streamId) {
        copies.put(id, new Copy(key, streamId));
        copiesOfSession.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(id);
    }

    void close() {
        salvage.close();
        redis.close();
    }

    /** A journaled message's copy: its session and its stream id (null once known if it was forwarded instead). */
    private record Copy(String key, CompletableFuture<String> streamId) {
    }

    /** Messages forwarded to a session while this node claims it. Guarded by its own monitor. */
    private static final class Arriving {
        final List<RoutedMessage> messages = new ArrayList<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        boolean closed;
        /** This node's claim's epoch once granted, and the latest other claim noticed meanwhile; 0: none. */
        long claimEpoch;
        long noticeEpoch;
    }

    static void logDropped(String key, String why) {
        LOG.warn("message for MQTT session {} not kept: {}", printable(key), why);
    }

    /** A session key for a log line (tenant and client id, separated by a NUL). */
    static String printable(String key) {
        return key.replaceAll("\\p{Cntrl}", "/");
    }
}
