package io.edgeauth.broker.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.config.ConfigLoader;
import io.edgeauth.broker.service.ServiceClient;
import io.edgeauth.broker.service.ServiceRegistry;
import io.edgeauth.broker.store.ChangeFeed;
import io.edgeauth.broker.store.MvStoreStore;
import io.edgeauth.broker.testsupport.MutableClock;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes' registries on one store and one feed: a node hears of another node's deletion or access change once,
 * through the feed, and not of the echo of its own; a node that missed changes hears of them at its resync.
 */
class ChangesElsewhereTest {
    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final DeviceValidator validator = new DeviceValidator(new ConfigLoader().load(null, Map.of()).tenantIds(),
            java.util.Set.of("default"), clock);
    private static final String OWNER_1 = "did:pkh:eip155:1:0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359";
    private static final String OWNER_2 = "did:pkh:eip155:1:0x0000000000000000000000000000000000000001";

    /** The feed every node follows: changes wait until {@link #deliver} hands them to each follower, echo included. */
    private static final class Bus {
        final List<Consumer<ChangeFeed.Change>> followers = new ArrayList<>();
        final List<Runnable> resyncs = new ArrayList<>();
        final List<ChangeFeed.Change> pending = new ArrayList<>();

        void deliver(int... nodes) {
            for (ChangeFeed.Change c : pending) {
                for (int n : nodes) {
                    followers.get(n).accept(c);
                }
            }
            pending.clear();
        }
    }

    private record Feed(Bus bus, MvStoreStore store) implements ChangeFeed {
        @Override
        public void put(String feed, String space, String key, byte[] value, Instant expiresAt) {
            store.put(space, key, value, expiresAt);
            bus.pending.add(new Change(key, java.util.Optional.of(value)));
        }

        @Override
        public void remove(String feed, String space, String key) {
            store.remove(space, key);
            bus.pending.add(new Change(key, java.util.Optional.empty()));
        }

        @Override
        public AutoCloseable follow(String feed, Consumer<Change> listener, Runnable resync) {
            bus.followers.add(listener);
            bus.resyncs.add(resync);
            return () -> { };
        }

        @Override
        public boolean shared() {
            return true;
        }
    }

    private Device device(String owner) throws Exception {
        return validator.validate(Map.of("id", "dev-1", "owner", owner, "jwk",
                new com.nimbusds.jose.jwk.gen.ECKeyGenerator(com.nimbusds.jose.jwk.Curve.P_256).generate()
                        .toPublicJWK().toJSONObject()));
    }

    @Test
    void anotherNodesDeletionAndOwnerChangeReachEachNodeOnceAndNeverItsOwnEcho() throws Exception {
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            Bus bus = new Bus();
            DeviceRegistry a = new DeviceRegistry(store, new Feed(bus, store));
            DeviceRegistry b = new DeviceRegistry(store, new Feed(bus, store));
            List<String> heardOnA = new ArrayList<>();
            List<String> heardOnB = new ArrayList<>();
            a.onChangeElsewhere(d -> heardOnA.add("deleted " + d.id()), c -> heardOnA.add("changed " + c.changed()));
            b.onChangeElsewhere(d -> heardOnB.add("deleted " + d.id()), c -> heardOnB.add("changed " + c.changed()));

            a.register(device(OWNER_1));
            bus.deliver(0, 1);
            Device first = a.find("dev-1").orElseThrow();
            a.register(device(OWNER_2).createdAs(first));
            bus.deliver(0, 1);
            assertThat(heardOnB).singleElement().asString().startsWith("changed [").contains("owner");
            assertThat(b.ownedBy(OWNER_2)).containsExactly("dev-1");

            a.delete("dev-1");
            bus.deliver(0, 1);
            assertThat(heardOnB).hasSize(2).last().isEqualTo("deleted dev-1");
            assertThat(heardOnA).as("A made both changes: its echoes report nothing").isEmpty();
        }
    }

    @Test
    void aNodeThatMissedADeletionHearsOfItAtItsResync() throws Exception {
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            Bus bus = new Bus();
            Bus serviceBus = new Bus(); // a feed each, as the registries' are
            DeviceRegistry a = new DeviceRegistry(store, new Feed(bus, store));
            DeviceRegistry b = new DeviceRegistry(store, new Feed(bus, store));
            ServiceRegistry servicesA = new ServiceRegistry(store, new Feed(serviceBus, store));
            ServiceRegistry servicesB = new ServiceRegistry(store, new Feed(serviceBus, store));
            List<String> heardOnB = new ArrayList<>();
            b.onChangeElsewhere(d -> heardOnB.add("device " + d.id()), c -> heardOnB.add("changed"));
            servicesB.onDeleteElsewhere(s -> heardOnB.add("service " + s.id()));
            a.register(device(OWNER_1));
            servicesA.registerIfAbsent(new ServiceClient("svc-1", "default", new com.nimbusds.jose.jwk.JWKSet(
                    new com.nimbusds.jose.jwk.gen.ECKeyGenerator(com.nimbusds.jose.jwk.Curve.P_256).keyID("k1").generate()
                            .toPublicJWK()), List.of(io.edgeauth.broker.service.TopicGrant.parse("sub:d/+/up/#")), null,
                    clock.instant()));
            bus.deliver(0, 1);
            serviceBus.deliver(0, 1);
            a.delete("dev-1");
            servicesA.delete("svc-1");
            bus.pending.clear(); // B misses both
            serviceBus.pending.clear();
            assertThat(heardOnB).isEmpty();
            bus.resyncs.get(1).run();
            serviceBus.resyncs.get(1).run();
            assertThat(heardOnB).containsExactly("device dev-1", "service svc-1");
        }
    }
}
