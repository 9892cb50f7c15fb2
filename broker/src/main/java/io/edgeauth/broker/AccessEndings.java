package io.edgeauth.broker;

import io.edgeauth.broker.coap.CoapEdge;
import io.edgeauth.broker.mqtt.SessionAccessCleanup;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.service.ServiceClient;
import io.edgeauth.broker.service.ServiceRegistry;

/**
 * Wires the registries' deletions and access changes, made on this node or another, to the edges' session state on
 * this node: what a principal's
 * persistent MQTT sessions and parked CoAP Observe relations hold was admitted under access that ended with the change
 * (retained messages: {@link io.edgeauth.broker.router.RetainedCleanup}; tokens and live connections:
 * {@link io.edgeauth.broker.revocation.AccessReevaluation}).
 */
final class AccessEndings {
    private AccessEndings() {
    }

    /** {@code mqtt} and {@code coap} may be null (listener off). */
    static void wire(DeviceRegistry devices, ServiceRegistry services, SessionAccessCleanup mqtt, CoapEdge coap) {
        // a change made here and one another node made (the feed brings it): each node ends the sessions it holds
        java.util.function.Consumer<Device> deleted = d -> ended(mqtt, coap, d.tenant(), d.id(), true);
        java.util.function.Consumer<DeviceRegistry.AccessChange> changed = change -> changed(mqtt, coap, change);
        devices.onDelete(deleted);
        devices.onAccessChange(changed);
        devices.onChangeElsewhere(deleted, changed);
        java.util.function.Consumer<ServiceClient> serviceDeleted = s -> ended(mqtt, coap, s.tenant(), s.id(), false);
        services.onDelete(serviceDeleted);
        services.onDeleteElsewhere(serviceDeleted);
    }

    private static void changed(SessionAccessCleanup mqtt, CoapEdge coap, DeviceRegistry.AccessChange change) {
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
