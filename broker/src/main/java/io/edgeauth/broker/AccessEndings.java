package io.edgeauth.broker;

import io.edgeauth.broker.coap.CoapEdge;
import io.edgeauth.broker.mqtt.SessionAccessCleanup;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.service.ServiceRegistry;

/**
 * Wires the registries' deletions and access changes to the edges' session state on this node: what a principal's
 * persistent MQTT sessions and parked CoAP Observe relations hold was admitted under access that ended with the change
 * (retained messages: {@link io.edgeauth.broker.router.RetainedCleanup}; tokens and live connections:
 * {@link io.edgeauth.broker.revocation.AccessReevaluation}).
 */
final class AccessEndings {
    private AccessEndings() {
    }

    /** {@code mqtt} and {@code coap} may be null (listener off). */
    static void wire(DeviceRegistry devices, ServiceRegistry services, SessionAccessCleanup mqtt, CoapEdge coap) {
        devices.onDelete(d -> ended(mqtt, coap, d.tenant(), d.id(), true));
        devices.onAccessChange(change -> {
            String tenant = change.before().tenant();
            String id = change.before().id();
            if (change.changed().contains("tenant")) {
                ended(mqtt, coap, tenant, id, true);
            } else if (change.changed().contains("owner")) {
                if (mqtt != null) {
                    mqtt.ownerChanged(tenant, id);
                }
                if (coap != null) {
                    coap.accessEnded(tenant, id); // a parked relation holds only the device's commands
                }
            }
        });
        services.onDelete(s -> ended(mqtt, coap, s.tenant(), s.id(), false));
    }

    private static void ended(SessionAccessCleanup mqtt, CoapEdge coap, String tenant, String id, boolean device) {
        if (mqtt != null) {
            if (device) {
                mqtt.deviceRemoved(tenant, id);
            } else {
                mqtt.serviceRemoved(tenant, id);
            }
        }
        if (coap != null) {
            coap.accessEnded(tenant, id);
        }
    }
}
