package io.edgeauth.broker.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.registry.DeviceRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Which registry changes clear which retained messages, and the cluster's shared store winning at start-up. */
class RetainedCleanupUnitTest {
    private final TopicRouter router = new TopicRouter(100, 10, null);
    private final List<String> audited = new CopyOnWriteArrayList<>();
    private final RetainedCleanup cleanup = new RetainedCleanup(router,
            (event, outcome, fields) -> audited.add(event + " " + outcome + " " + fields.get("count")));

    private static Device device(String tenant, String owner, List<String> region) {
        return new Device("v", tenant, new Device.Credential(Device.CredentialType.X5T_S256, "x".repeat(43)), region,
                null, owner, Instant.EPOCH);
    }

    private void retain(String tenant, String topic) {
        router.publish(tenant, topic, "1".getBytes(StandardCharsets.UTF_8), 1, true, null, "x");
    }

    private void change(Device before, Device after) {
        cleanup.changed(new DeviceRegistry.AccessChange(before, after, before.accessChangesTo(after)));
    }

    @Test
    void eachChangeClearsWhatItsOldRecordAllowed() {
        retain("t", "d/v/up/state");
        retain("t", "d/v/down/valve");
        change(device("t", "did:a", List.of()), device("t", "did:a", List.of("u33")));
        assertThat(router.retainedCount("t")).as("a region change clears nothing").isEqualTo(2);
        change(device("t", "did:a", List.of()), device("t", "did:b", List.of()));
        assertThat(router.retainedCount("t")).as("an owner change clears the commands").isEqualTo(1);
        change(device("t", null, List.of()), device("t2", null, List.of()));
        assertThat(router.retainedCount("t")).as("a tenant change clears the old tenant's tree").isZero();
        retain("t", "d/v/up/state");
        cleanup.deleted(device("t", null, List.of()));
        assertThat(router.retainedCount("t")).isZero();
        cleanup.deleted(device("t", null, List.of())); // nothing left: not audited
        assertThat(audited).containsExactly("retained.cleared owner_changed 1", "retained.cleared tenant_changed 1",
                "retained.cleared device_deleted 1");
    }

    /** A red-team tour saw a deleted service's retained command delivered to the device at every subscription. */
    @Test
    void aDeletedServicesRetainedMessagesGoWhereverItPublishedThem() {
        router.publish("t", "d/v/down/cfg", "evil".getBytes(StandardCharsets.UTF_8), 1, true, null, "svc");
        router.publish("t", "fleet/config", "evil".getBytes(StandardCharsets.UTF_8), 1, true, null, "svc");
        router.publish("t", "d/v/down/valve", "ok".getBytes(StandardCharsets.UTF_8), 1, true, null, "other-svc");
        router.publish("t2", "fleet/config", "theirs".getBytes(StandardCharsets.UTF_8), 1, true, null, "svc");
        cleanup.serviceDeleted("t", "svc");
        assertThat(router.retainedCount("t")).as("another publisher's stays").isEqualTo(1);
        assertThat(router.retainedCount("t2")).as("another tenant's principal of that name").isEqualTo(1);
        assertThat(audited).containsExactly("retained.cleared service_deleted 2");
    }

    @Test
    void withOtherNodesTheSharedStoreAndNotTheJournalSaysWhatIsRetained() {
        router.clusterLink(new ClusterLink() {
            @Override
            public void subscribed(String tenant, String filter) {
            }

            @Override
            public void unsubscribed(String tenant, String filter) {
            }

            @Override
            public CompletableFuture<Void> retained(RoutedMessage message) {
                return CompletableFuture.completedFuture(null);
            }
        });
        router.applyShared(new RoutedMessage("t", "d/v/up/state", "new".getBytes(StandardCharsets.UTF_8), 1, true,
                null, "x"));
        // this node's journal still holds a copy another node has since replaced, and one it has cleared
        router.restoreRetained(new RoutedMessage("t", "d/v/up/state", "old".getBytes(StandardCharsets.UTF_8), 1, true,
                null, "x"));
        router.restoreRetained(new RoutedMessage("t", "d/gone/up/state", "old".getBytes(StandardCharsets.UTF_8), 1,
                true, null, "x"));
        io.edgeauth.broker.testsupport.CollectingSubscriber probe = new io.edgeauth.broker.testsupport.CollectingSubscriber();
        router.subscribe("t", "#", 1, probe);
        List<String> got = probe.messages().stream()
                .map(m -> m.topic() + "=" + new String(m.payload(), StandardCharsets.UTF_8)).toList();
        assertThat(got).containsExactly("d/v/up/state=new");
    }

    @Test
    void aResyncWithTheSharedStoreDropsWhatItNoLongerHolds() {
        retain("t", "d/v/up/state");
        retain("t", "d/w/up/state");
        retain("t2", "d/v/up/state");
        // the feed lost entries (trimmed while this node was cut off), among them the removal of d/v/up/state in t
        assertThat(router.dropRetainedNotIn(java.util.Set.of("t/d/w/up/state", "t2/d/v/up/state"))).isEqualTo(1);
        assertThat(router.retainedCount("t")).isEqualTo(1);
        assertThat(router.retainedCount("t2")).isEqualTo(1);
        retain("t", "d/w/up/a"); // the per-device count followed
        assertThat(router.retainedCount("t")).isEqualTo(2);
    }
}
