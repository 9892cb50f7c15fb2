package io.edgeauth.broker.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import io.edgeauth.broker.service.ServiceClient;
import io.edgeauth.broker.service.ServiceRegistry;
import io.edgeauth.broker.service.ServiceValidator;
import io.edgeauth.broker.store.MvStoreStore;
import io.edgeauth.broker.testsupport.MutableClock;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tour V, V5: a device create and a service registration of one id at once leave at most one of them registered,
 * whichever reaches its check first: each checks the other kind after its own write. The other registration is run
 * exactly inside the window, by the first registration's own look-up of the other kind.
 */
class DisjointIdsTest {
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T08:00:00Z"));
    private MvStoreStore store;
    private DeviceRegistry devices;
    private ServiceRegistry services;

    @BeforeEach
    void setUp() {
        store = new MvStoreStore(dir.resolve("s.mv"), clock);
        devices = new DeviceRegistry(store);
        services = new ServiceRegistry(store);
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    @Test
    void aServiceRegisteredWhileADeviceIsCreatedLeavesOneOfThem() throws Exception {
        AtomicBoolean first = new AtomicBoolean(true);
        AtomicReference<ServiceRegistry.Registration> service = new AtomicReference<>();
        ServiceClient svc = service("x-1");
        Predicate<String> serviceHas = id -> {
            boolean has = services.find(id).isPresent();
            if (first.getAndSet(false)) { // the service's POST runs now, between the device's look-up and its answer
                service.set(services.register(svc, x -> devices.current(x).isPresent()));
            }
            return has;
        };
        DeviceCreation.Result device = new DeviceCreation(devices, serviceHas).create(device("x-1"));
        assertThat(device.outcome() == DeviceCreation.Outcome.CREATED
                && service.get() == ServiceRegistry.Registration.REGISTERED).as("both told they registered").isFalse();
        assertThat(devices.find("x-1").isPresent() && services.find("x-1").isPresent()).as("both records").isFalse();
    }

    @Test
    void aDeviceCreatedWhileAServiceIsRegisteredLeavesOneOfThem() throws Exception {
        AtomicBoolean first = new AtomicBoolean(true);
        AtomicReference<DeviceCreation.Result> device = new AtomicReference<>();
        Predicate<String> deviceHas = id -> {
            boolean has = devices.current(id).isPresent();
            if (first.getAndSet(false)) { // the device's POST runs now
                device.set(new DeviceCreation(devices, x -> services.find(x).isPresent()).create(device("x-2")));
            }
            return has;
        };
        ServiceRegistry.Registration service = services.register(service("x-2"), deviceHas);
        assertThat(device.get().outcome() == DeviceCreation.Outcome.CREATED
                && service == ServiceRegistry.Registration.REGISTERED).as("both told they registered").isFalse();
        assertThat(devices.find("x-2").isPresent() && services.find("x-2").isPresent()).as("both records").isFalse();
    }

    private Device device(String id) {
        return new Device(id, "default", new Device.Credential(Device.CredentialType.JWK, "{\"k\":\"" + id + "\"}"),
                List.of(), null, null, clock.instant());
    }

    private ServiceClient service(String id) throws Exception {
        return new ServiceValidator("default"::equals, "gold"::equals, clock).validate(new JsonObject().put("id", id)
                .put("jwk", new JsonObject(new ECKeyGenerator(Curve.P_256).generate().toPublicJWK().toJSONObject()))
                .put("grants", new JsonArray(List.of("sub:d/+/up/#"))));
    }
}
