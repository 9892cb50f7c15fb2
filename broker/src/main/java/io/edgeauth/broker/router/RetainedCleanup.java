package io.edgeauth.broker.router;

import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.registry.DeviceRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Keeps retained messages in step with the device registry, so they do not outlive the access they were
 * published under: a deleted device's tree {@code d/<id>} goes (else new subscribers, and a device registered
 * later under the same id, would still be sent them); a device moved to another tenant leaves its whole tree
 * in the old tenant behind the same way; an ownership change clears {@code d/<id>/down} (the former owner's
 * commands must not reach the device once that owner's access ended; the device's own telemetry under
 * {@code up} stays). Called by the node that made the change; {@link TopicRouter#clearRetained} takes the
 * clearing to the journal and the other nodes. Each clearing that removed something is audited
 * ({@code retained.cleared}).
 */
public final class RetainedCleanup {
    private final TopicRouter router;
    private final AuditLog audit;

    public RetainedCleanup(TopicRouter router, AuditLog audit) {
        this.router = Objects.requireNonNull(router, "router");
        this.audit = audit == null ? AuditLog.NOOP : audit;
    }

    /** Wire as {@code registry.onDelete(cleanup::deleted)}. */
    public void deleted(Device device) {
        clear(device, "d/" + device.id(), "device_deleted");
    }

    /** Wire as {@code registry.onAccessChange(cleanup::changed)}. */
    public void changed(DeviceRegistry.AccessChange change) {
        Device before = change.before();
        if (change.changed().contains("tenant")) {
            clear(before, "d/" + before.id(), "tenant_changed");
        } else if (change.changed().contains("owner")) {
            clear(before, "d/" + before.id() + "/down", "owner_changed");
        }
    }

    private void clear(Device device, String topic, String cause) {
        int cleared = router.clearRetained(device.tenant(), topic);
        if (cleared > 0) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("device", device.id());
            fields.put("tenant", device.tenant());
            fields.put("topic", topic + "/#");
            fields.put("count", cleared);
            audit.record("retained.cleared", cause, fields);
        }
    }
}
