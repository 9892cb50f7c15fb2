package io.edgeauth.broker.coap;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.server.DelivererException;
import org.eclipse.californium.core.server.resources.Resource;
import org.eclipse.californium.elements.config.Configuration;
import org.junit.jupiter.api.Test;

/** The fast path of {@link DeviceResources.Deliverer} finds the same resources as walking the tree. */
class DeviceResourcesTest {
    private final CoapResource root = new CoapResource("");
    private final DeviceResources.Devices devices = new DeviceResources.Devices(null);
    private final DeviceResources.Deliverer deliverer;

    DeviceResourcesTest() {
        root.add(devices);
        deliverer = new DeviceResources.Deliverer(root, new Configuration(CoapConfig.DEFINITIONS), devices);
    }

    private Resource find(String... path) throws DelivererException {
        return deliverer.findResource(List.of(path));
    }

    /** Californium answers 4.04 when the lookup gives no resource or throws. */
    private boolean notFound(String... path) {
        try {
            return find(path) == null;
        } catch (DelivererException e) {
            return true;
        }
    }

    @Test
    void telemetryPathsShareOneResource() throws Exception {
        assertThat(find("d", "dev-1", "up")).isSameAs(devices.up());
        assertThat(find("d", "dev-1", "up", "a", "b")).isSameAs(devices.up());
        assertThat(find("d", "dev-2", "up", "temp")).isSameAs(devices.up());
    }

    @Test
    void walkingTheTreeFindsTheSameTelemetryResource() {
        Resource device = devices.getChild("dev-1");
        assertThat(device).isNotNull();
        assertThat(device.getChild("up")).isSameAs(devices.up());
    }

    @Test
    void invalidDeviceIdIsNotFound() {
        assertThat(notFound("d", "a+b", "up", "x")).isTrue();
        assertThat(notFound("d", "a#", "up")).isTrue();
    }

    @Test
    void otherPathsWalkTheTree() throws Exception {
        assertThat(find("d", "dev-1", "down")).isInstanceOf(DeviceResources.Down.class);
        assertThat(find("d")).isSameAs(devices);
        assertThat(notFound("d", "dev-1", "sideways")).isTrue();
        assertThat(notFound("x", "dev-1", "up")).isTrue();
    }
}
