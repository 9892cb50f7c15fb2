package io.edgeauth.broker.mqtt;

import static io.edgeauth.broker.mqtt.MqttFields.intProperty;
import static io.edgeauth.broker.mqtt.MqttFields.userProperties;

import io.edgeauth.broker.auth.DeviceSession;
import io.edgeauth.broker.policy.PublishGate;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.edgeauth.broker.router.MessageAttributes;
import io.edgeauth.broker.router.RoutedMessage;
import io.edgeauth.broker.router.SubscriberQueue;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.edgeauth.broker.mqtt.wire.Will;
import java.util.List;

/**
 * The session store side of one {@link MqttConnection}: binds an authenticated connection to its
 * {@link MqttSessionState} (new, resumed or taken over from another connection, within the principal's
 * session slots) and, when the connection ends, hands the session back and publishes or delays its will.
 * Runs on the connection's event loop; the hand-over between owners happens under the session's monitor.
 */
final class MqttSessionBinding {
    private final MqttConnection c;
    /** Whether this connection's will was settled when it was taken over (published or dropped then). */
    private boolean willSettled;

    MqttSessionBinding(MqttConnection c) {
        this.c = c;
    }

    /**
     * {@link #bind} after claiming the session in the shared home (several nodes): a session another node
     * held is taken over (that node ends its connection) and brought here with what it still owes. Calls
     * {@code then} on the connection's event loop with the session present flag, or the refusal.
     */
    void bindAnywhere(DeviceSession s, long expirySeconds, java.util.function.BiConsumer<Boolean, Throwable> then) {
        io.edgeauth.broker.mqtt.persist.SessionHome home = c.edge.persistence.home();
        if (home == null) {
            bindNow(s, expirySeconds, then);
            return;
        }
        String key = s.tenant() + '\u0000' + c.clientId;
        home.claim(key, s.principal(), c.endpoint.isCleanSession(), c.edge.sessions.containsKey(key))
                .whenComplete((claim, failure) ->
                c.executor.execute(() -> {
                    if (failure != null) {
                        // the outage policy admitted this client (fail-open-revocations): bind it here, as one node
                        // would; the session is claimed again at its next CONNECT once Redis is back
                        home.claimed(key);
                        bindNow(s, expirySeconds, then);
                    } else if (claim.refused()) {
                        c.edge.audit.record("mqtt.connect.refused", RejectionReason.CLIENT_ID_MISMATCH.code(),
                                c.auditFields(c.clientId, s));
                        then.accept(null, new TokenRejectedException(RejectionReason.CLIENT_ID_MISMATCH,
                                "session belongs to another principal"));
                    } else {
                        if (claim.moved() != null) {
                            MqttSessionState adopted = c.edge.persistence.adopt(claim);
                            if (c.closed) { // gone while claiming: the session stays here, offline, with what it owes
                                c.edge.persistence.offline(adopted);
                                c.edge.expireLater(adopted);
                            }
                        }
                        if (!c.closed) {
                            bindNow(s, expirySeconds, then);
                        }
                        home.claimed(key);
                    }
                }));
    }

    private void bindNow(DeviceSession s, long expirySeconds, java.util.function.BiConsumer<Boolean, Throwable> then) {
        boolean present;
        try {
            present = bind(s, expirySeconds);
        } catch (TokenRejectedException refused) {
            then.accept(null, refused);
            return;
        }
        then.accept(present, null);
    }

    /**
     * Makes this connection the owner of the session {@code (tenant, client id)}: resumes it (clean start 0),
     * or starts a new one, ending a previous owner either way.
     *
     * @return whether a session was present (the CONNACK's session present flag)
     * @throws TokenRejectedException when the session belongs to another principal or the principal holds
     *                                all the sessions it may (both audited here)
     */
    boolean bind(DeviceSession s, long expirySeconds) throws TokenRejectedException {
        String key = s.tenant() + '\u0000' + c.clientId;
        // one bind of a key at a time: two that both saw no session each made one, the later replacing the earlier
        // without ending its connection; two that both took over one session both owned it (tour V, V4)
        synchronized (c.edge.bindLock(key)) {
            return bindLocked(s, expirySeconds, key);
        }
    }

    private boolean bindLocked(DeviceSession s, long expirySeconds, String key) throws TokenRejectedException {
        MqttSessionState existing = c.edge.sessions.get(key);
        if (existing != null && !existing.belongsTo(s)) {
            // the pipeline keeps client ids inside their principal's namespace; this is the second lock on the door
            c.edge.audit.record("mqtt.connect.refused", RejectionReason.CLIENT_ID_MISMATCH.code(),
                    c.auditFields(c.clientId, s));
            throw new TokenRejectedException(RejectionReason.CLIENT_ID_MISMATCH, "session belongs to another principal");
        }
        String principalKey = s.tenant() + '\u0000' + s.principal();
        // a new client id is one more session of the principal, offline ones counted; its own are taken over
        boolean reserved = existing == null;
        if (reserved && !c.edge.slots.reserve(principalKey)) {
            throw tooManySessions(s);
        }
        if (!c.edge.slots.take(principalKey, existing != null && existing.owner != null)) {
            if (reserved) {
                c.edge.slots.ended(principalKey);
            }
            throw tooManySessions(s);
        }
        c.slotKey = principalKey;
        // a session whose principal's access ended is never resumed, even while its last connection is closing
        boolean continues = existing != null && !c.endpoint.isCleanSession() && !existing.accessEnded;
        if (existing != null) {
            takeOver(existing, continues);
        }
        if (continues) {
            c.state = existing;
            // this CONNECT's expiry decides what the session keeps while away: one made by a CONNECT without an
            // expiry (its queue keeping nothing offline) and resumed with one must not drop all it is owed
            existing.queue.offlineCapacity(expirySeconds > 0 ? c.limits.offlineQueueLength() : 0);
            c.state.retainAllowed(c.acl, c.edge.router); // the new token may allow less
        } else {
            if (existing != null) {
                c.edge.destroy(existing);
            }
            MqttSettings.Limits limits = c.limits;
            SubscriberQueue queue = new SubscriberQueue(s.tenant() + "/" + c.clientId, limits.queueLength(),
                    expirySeconds > 0 ? limits.offlineQueueLength() : 0, limits.receiveMaximum(),
                    limits.overflowPolicy(), c.delivery::countDrop);
            queue.stuckAfter(c.edge.settings.backpressureTimeout());
            queue.expiryClock(c.edge.clock);
            c.state = new MqttSessionState(key, s.tenant(), s.principal(), queue);
            MqttSessionState replaced = c.edge.sessions.put(key, c.state);
            if (!reserved && replaced == null) {
                c.edge.slots.restored(principalKey); // a clean start after its predecessor's end
            } else if (reserved && replaced != null) {
                c.edge.slots.ended(principalKey); // a racing connect of the same new client id counted it already
            }
        }
        java.time.Instant removed = c.edge.removedDevices.getIfPresent(key);
        java.time.Instant issued = s.token().issuedAt();
        if (removed != null && (issued == null || !issued.isAfter(removed))) {
            // its device was deleted after this token was issued (the CONNECT was authenticated before the deletion
            // reached this node): the session ends with the connection, as the deletion ended the others (tour V, V14)
            c.state.accessEnded = true;
        }
        synchronized (c.state) {
            c.state.owner = c;
            c.state.expirySeconds = expirySeconds;
        }
        c.edge.persistence.track(c.state);
        return continues;
    }

    private TokenRejectedException tooManySessions(DeviceSession s) {
        c.edge.audit.record("mqtt.connect.refused", "too_many_sessions", c.auditFields(c.clientId, s));
        return new TokenRejectedException(RejectionReason.RATE_LIMITED, "too many sessions of this principal");
    }

    /** Ends the previous owner of {@code existing} and settles the will it may have left behind. */
    private void takeOver(MqttSessionState existing, boolean continues) {
        MqttConnection previousOwner;
        Runnable heldWill;
        // one step under the session's monitor, the same the closing owner takes: its will is either already
        // held back here or it learns that the session was resumed (see release)
        synchronized (existing) {
            previousOwner = existing.owner;
            existing.owner = null;
            if (previousOwner != null) {
                previousOwner.resumedElsewhere = continues;
            }
            if (existing.expiryTimer >= 0) {
                c.edge.vertx.cancelTimer(existing.expiryTimer);
                existing.expiryTimer = -1;
            }
            heldWill = c.edge.takePendingWill(existing);
        }
        if (heldWill != null && !continues) {
            heldWill.run(); // a clean start ends the old session: its will is due now; a resumed one drops it
        }
        if (previousOwner != null) {
            MqttConnection old = previousOwner;
            // queued on its loop before this connection's CONNACK is written: its will goes out (willAtTakeover) a
            // round trip before anything this client sends after the CONNACK can arrive
            old.executor.execute(old::takenOver);
        }
    }

    /**
     * This connection was taken over (on its loop, before the new connection's CONNACK): its will goes out now if it is
     * due, as part of the takeover (MQTT 5 §3.1.4), not when this connection closes after its DISCONNECT 0x8E grace, by
     * when the new connection may have published (a retained "online" overwritten by the old "offline"). A delayed
     * will of a session the new connection resumes is dropped (§3.1.3.2.2).
     */
    void willAtTakeover() {
        if (c.closed || willSettled) {
            return;
        }
        willSettled = true;
        boolean due = (!c.normalDisconnect || c.disconnectWithWill) && !c.suppressWill
                && !(c.resumedElsewhere && willDelaySeconds() > 0);
        if (due) {
            publishWill();
        }
    }

    /**
     * The client's DISCONNECT: with reason 0x00 a normal end that deletes the will (0x04 and the error codes keep it,
     * MQTT 5 §3.1.2.5), and its Session Expiry
     * Interval, when given, replaces the CONNECT's (MQTT 5 §3.14.2.2.2; capped like it): 0 ends the session with the
     * connection. False for a protocol error, a non-zero interval after a CONNECT without one [MQTT-3.14.2-2]: the
     * will is then published, as after any error.
     */
    boolean disconnected(byte reasonCode, MqttProperties properties) {
        Integer interval = properties == null ? null : intProperty(properties, MqttProperties.SESSION_EXPIRY_INTERVAL);
        if (interval != null) {
            Integer connected = intProperty(c.endpoint.connectProperties(), MqttProperties.SESSION_EXPIRY_INTERVAL);
            if (interval != 0 && (connected == null || connected == 0)) {
                return false;
            }
            MqttSessionState state = c.state;
            if (state != null) {
                long expiry = Math.min(Integer.toUnsignedLong(interval), c.edge.settings.maxSessionExpiry().toSeconds());
                long before;
                synchronized (state) {
                    before = state.expirySeconds;
                    state.expirySeconds = expiry;
                }
                if (expiry > 0 && expiry != before) {
                    // the journal's copy too: a restart before the session expires must not bring back the CONNECT's
                    c.edge.persistence.expiryChanged(state);
                }
            }
        }
        c.disconnectWithWill = reasonCode == MqttReasonCodes.Disconnect.DISCONNECT_WITH_WILL_MESSAGE.byteValue();
        c.normalDisconnect = reasonCode == 0; // only 0x00 deletes the will ([MQTT-3.1.2-8]); an error code is abnormal
        return true;
    }

    /**
     * The connection closed after it was accepted. Will (MQTT 5 §3.1.2.5): published now, or held for its
     * delay by the session's owner; a connection whose session was taken over and resumed drops a delayed
     * will (the client came back in time). The owner's session then waits for its expiry or ends.
     */
    void release() {
        MqttSessionState state = c.state;
        boolean publishNow;
        // under the bind lock of its key, as a bind: a CONNECT of this client id that binds meanwhile either finds the
        // session still ours (and takes it over: we then leave it alone) or finds it detached and offline, or gone.
        // Without it, a bind between our owner check and the detach below got a session whose queue we then detached
        // (nothing more was delivered to the new connection) or that we then destroyed (its subscriptions gone)
        synchronized (c.edge.bindLock(state.key)) {
            publishNow = releaseLocked(state);
        }
        if (publishNow) {
            publishWill();
        }
    }

    /** {@link #release} under the bind lock; whether the will is due now. */
    private boolean releaseLocked(MqttSessionState state) {
        boolean willDue = !willSettled && (!c.normalDisconnect || c.disconnectWithWill) && !c.suppressWill;
        long delay = 0;
        boolean owner;
        synchronized (state) {
            owner = state.owner == c;
            if (owner) {
                state.owner = null;
            }
            if (willDue) {
                long willDelay = willDelaySeconds();
                if (owner) {
                    delay = Math.min(willDelay, state.expirySeconds);
                    if (delay > 0) {
                        c.edge.delayWill(state, () -> c.executor.execute(this::publishWill), delay);
                    }
                } else if (c.resumedElsewhere && willDelay > 0) {
                    willDue = false;
                }
            }
        }
        if (owner) {
            if (state.expirySeconds > 0 && !state.accessEnded) {
                state.queue.detach();
                c.edge.persistence.offline(state);
                c.edge.expireLater(state);
            } else {
                c.edge.destroy(state); // first: what it owes through share groups goes to them before detach drops it
                state.queue.detach();
            }
        }
        return willDue && delay == 0;
    }

    /** The will's Will Delay Interval in seconds (MQTT 5 only; 0 when absent). */
    private long willDelaySeconds() {
        Will will = c.endpoint.will();
        if (!c.v5 || will == null) {
            return 0;
        }
        Integer delay = intProperty(will.properties(), MqttProperties.WILL_DELAY_INTERVAL);
        return delay == null ? 0 : Integer.toUnsignedLong(delay);
    }

    /**
     * Publishes the will if it passes, when it is due, every check a PUBLISH on its topic would (topic syntax, live
     * token, {@link MqttPublishChecks}): the token may have been renewed with less since CONNECT, a delayed will
     * is due later, and only now is the rate budget known. A refused will is dropped, counted and audited.
     */
    private void publishWill() {
        Will will = c.endpoint.will();
        if (will == null || will.topic() == null) {
            return;
        }
        String topic = will.topic();
        byte[] payload = will.message() == null ? new byte[0] : will.message();
        List<RoutedMessage.UserProperty> properties = userProperties(will.properties());
        // the Will Message Expiry Interval counts from the will's publication (MQTT 5 §3.1.3.2.4)
        MessageAttributes attributes = c.v5 ? MqttFields.attributes(will.properties(), c.edge.clock)
                : MessageAttributes.NONE;
        PublishGate.Refusal refusal;
        if (c.inbound.topicError(topic, false) != null || attributes.responseTopic() != null
                && c.inbound.topicError(attributes.responseTopic(), false) != null) {
            refusal = new PublishGate.Refusal(RejectionReason.FORBIDDEN, "will topic invalid");
        } else {
            refusal = c.edge.rechecks.endReason(c.session, c.edge.clock.instant())
                    .map(reason -> new PublishGate.Refusal(reason, "session no longer valid"))
                    .orElseGet(() -> MqttPublishChecks.check(c, topic, payload, properties, attributes));
        }
        if (refusal != null) {
            boolean overRate = refusal.reason() == RejectionReason.RATE_LIMITED;
            c.edge.metrics.drop(overRate ? "will_rate_limited" : "will_refused");
            c.edge.audit.record("mqtt.will.refused", refusal.reason().code(), c.auditFields(c.clientId, c.session));
            return;
        }
        c.edge.router.publish(new RoutedMessage(c.session.tenant(), topic, payload, will.qos(),
                will.retain(), properties, c.session.principal(), attributes));
    }
}
