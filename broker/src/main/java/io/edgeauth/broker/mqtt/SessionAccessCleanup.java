package io.edgeauth.broker.mqtt;

import io.edgeauth.broker.router.SubscriberQueue;
import java.util.List;
import java.util.Objects;

/**
 * Keeps the persistent MQTT sessions of this node in step with the registries, so a session does not outlive the
 * access it was made under (revocation ends connections and tokens; a persistent session outlived both before). A
 * deleted device or service, or a device moved to another tenant: its sessions end here, with their subscriptions,
 * their queued messages and their journal entries (else a device registered later under the same id resumed the old
 * one's session and was handed its queued commands, and a deleted service's offline session kept its share of its
 * group's messages). A device's new owner: the commands queued for the device under {@code d/<id>/down} go, as its
 * retained commands do ({@link io.edgeauth.broker.router.RetainedCleanup}). The former owner's own sessions are
 * checked when they resume ({@link MqttSessionState#retainAllowed}). Called for changes made on this node and for
 * those another node made, as they arrive (docs/revocation.md).
 */
public final class SessionAccessCleanup {
    private final MqttEdge edge;

    public SessionAccessCleanup(MqttEdge edge) {
        this.edge = Objects.requireNonNull(edge, "edge");
    }

    /** A device deleted or moved out of {@code tenant}: its session (client id = its id) ends. */
    public void deviceRemoved(String tenant, String id) {
        String key = tenant + '\u0000' + id;
        synchronized (edge.bindLock(key)) { // before or after a bind of the key, never in its middle
            edge.removedDevices.put(key, edge.clock.instant());
            end(edge.sessions.get(key));
        }
    }

    /** A service deleted: every session of it ({@code <id>} and {@code <id>#<suffix>}) ends. */
    public void serviceRemoved(String tenant, String id) {
        List<MqttSessionState> of = edge.sessions.values().stream()
                .filter(s -> s.tenant.equals(tenant) && s.principal.equals(id)).toList();
        of.forEach(this::end);
    }

    /** A device has a new owner: what its session holds queued under {@code d/<id>/down} was sent under the old one. */
    public void ownerChanged(String tenant, String id) {
        MqttSessionState state = edge.sessions.get(tenant + '\u0000' + id);
        if (state != null) {
            String commands = "d/" + id + "/down/";
            state.queue.purge(m -> m.topic().startsWith(commands), SubscriberQueue.DROP_ACCESS_CHANGED);
        }
    }

    private void end(MqttSessionState state) {
        if (state == null) {
            return;
        }
        boolean offline;
        synchronized (state) {
            state.accessEnded = true; // a live owner's release ends the session instead of keeping it
            offline = state.owner == null;
            if (offline && state.expiryTimer >= 0) {
                edge.vertx.cancelTimer(state.expiryTimer);
                state.expiryTimer = -1;
            }
        }
        // the session ends: what it got through share groups is the groups' (MQTT 5 §4.8.2), the rest goes
        state.handBackShared(edge.metrics::drop);
        state.queue.purge(m -> true, SubscriberQueue.DROP_ACCESS_CHANGED);
        if (offline) {
            edge.destroy(state);
        }
    }
}
