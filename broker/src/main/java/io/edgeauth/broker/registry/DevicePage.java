package io.edgeauth.broker.registry;

import java.util.List;

/**
 * A page of a device listing ({@link DeviceRegistry#list}): records in id order, and whether a record follows the last
 * one (then the last id is where the next page starts).
 */
public record DevicePage(List<Device> devices, boolean more) {
    public DevicePage {
        devices = List.copyOf(devices);
    }

    /** The id the next page starts after, or null on the last page. */
    public String next() {
        return more && !devices.isEmpty() ? devices.get(devices.size() - 1).id() : null;
    }
}
