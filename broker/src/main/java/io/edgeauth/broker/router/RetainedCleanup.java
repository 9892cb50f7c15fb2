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
 * {@code up} stays); a deleted service's retained messages go wherever it published them. Called by the node that
 * made the change; {@link TopicRouter#clearRetained} takes the
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

    /**
     * Wire as {@code services.onDelete(s -> cleanup.serviceDeleted(s.tenant(), s.id()))}: the retained messages a
     * deleted service published (commands to devices, configuration topics) go; a compromised service's would
     * otherwise reach every device that subscribes, until someone replaced them.
     */
    public void serviceDeleted(String tenant, String service) {
        int cleared = router.clearRetainedFrom(tenant, service);
        if (cleared > 0) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("service", service);
            fields.put("tenant", tenant);
            fields.put("count", cleared);
            audit.record("retained.cleared", "service_deleted", fields);
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
