package io.edgeauth.broker.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The retained-message bounds (per tenant, per device for the {@code d/<id>/...} tree, per publisher outside device
 * trees) refuse a retained
 * publish they have no room for as a whole, and clearing a device's retained messages reaches the journal and
 * the other nodes.
 */
class RetainedLimitsTest {
    private final List<String> drops = new CopyOnWriteArrayList<>();
    private final List<String> journal = new CopyOnWriteArrayList<>();
    private final List<String> shared = new CopyOnWriteArrayList<>();

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private PublishResult retain(TopicRouter router, String topic, String payload) {
        return router.publish("t", topic, bytes(payload), 1, true, null, "x");
    }

    private TopicRouter recorded(TopicRouter router) {
        router.retainedJournal(new RetainedJournal() {
            @Override
            public void retained(RoutedMessage message) {
                journal.add("set " + message.topic());
            }

            @Override
            public void cleared(String tenant, String topic) {
                journal.add("clear " + topic);
            }
        });
        router.clusterLink(new ClusterLink() {
            @Override
            public void subscribed(String tenant, String filter) {
            }

            @Override
            public void unsubscribed(String tenant, String filter) {
            }

            @Override
            public CompletableFuture<Void> retained(RoutedMessage message) {
                shared.add((message.payload().length == 0 ? "clear " : "set ") + message.topic());
                return CompletableFuture.completedFuture(null);
            }
        });
        return router;
    }

    @Test
    void aFullTenantRefusesANewRetainedTopicAsAWholeButReplacesAndDeletesHeldOnes() {
        TopicRouter router = new TopicRouter(2, 2, drops::add);
        io.edgeauth.broker.testsupport.CollectingSubscriber probe = new io.edgeauth.broker.testsupport.CollectingSubscriber();
        router.subscribe("t", "#", 1, probe);
        List<RoutedMessage> live = probe.messages();
        assertThat(retain(router, "a", "1").retainRefused()).isFalse();
        assertThat(retain(router, "b", "1").retainRefused()).isFalse();
        PublishResult refused = retain(router, "c", "1");
        assertThat(refused.retainRefused()).isTrue();
        assertThat(refused.accepted()).isZero();
        assertThat(live).extracting(RoutedMessage::topic).containsExactly("a", "b");
        assertThat(drops).containsExactly("retained_limit");
        assertThat(retain(router, "a", "2").retainRefused()).as("replacing a held topic").isFalse();
        assertThat(retain(router, "zz", "").retainRefused()).as("deleting what is not there").isFalse();
        assertThat(retain(router, "b", "").retainRefused()).as("deleting a held topic").isFalse();
        assertThat(router.retainedCount("t")).isEqualTo(1);
        assertThat(retain(router, "c", "1").retainRefused()).isFalse();
        assertThat(router.publish("t", "d", bytes("1"), 1, false, null, "x").retainRefused())
                .as("a message without the retain flag is not bounded").isFalse();
    }

    @Test
    void oneDeviceCannotFillItsTenant() {
        TopicRouter router = new TopicRouter(10, 2, drops::add);
        assertThat(retain(router, "d/x/up/a", "1").retainRefused()).isFalse();
        assertThat(retain(router, "d/x/down/b", "1").retainRefused()).isFalse();
        assertThat(retain(router, "d/x/up/c", "1").retainRefused()).isTrue();
        assertThat(retain(router, "d/x/up/a", "2").retainRefused()).as("replacing").isFalse();
        assertThat(retain(router, "d/y/up/a", "1").retainRefused()).as("another device's share").isFalse();
        assertThat(retain(router, "status/x", "1").retainRefused()).as("outside d/<id>/: tenant cap only").isFalse();
        assertThat(retain(router, "d/x/up/a", "").retainRefused()).isFalse();
        assertThat(retain(router, "d/x/up/c", "1").retainRefused()).as("room again after a delete").isFalse();
        assertThat(drops).containsExactly("retained_limit");
    }

    /** Tour T, T6: one service with a {@code pub:cfg/#} grant took its tenant's whole retained room. */
    @Test
    void onePublisherCannotFillItsTenantOutsideDeviceTrees() {
        TopicRouter router = new TopicRouter(10, 2, drops::add);
        assertThat(router.publish("t", "cfg/0", bytes("1"), 1, true, null, "svc").retainRefused()).isFalse();
        assertThat(router.publish("t", "cfg/1", bytes("1"), 1, true, null, "svc").retainRefused()).isFalse();
        assertThat(router.publish("t", "cfg/2", bytes("1"), 1, true, null, "svc").retainRefused())
                .as("the publisher's share outside device trees").isTrue();
        assertThat(router.publish("t", "cfg/1", bytes("2"), 1, true, null, "svc").retainRefused()).as("replacing")
                .isFalse();
        assertThat(router.publish("t", "d/svc/up/a", bytes("1"), 1, true, null, "svc").retainRefused())
                .as("a device tree's share is its own").isFalse();
        assertThat(router.publish("t", "cfg/2", bytes("1"), 1, true, null, "other").retainRefused())
                .as("another publisher's share").isFalse();
        // other replaces svc's cfg/0: the topic now counts for other (2 of 2), and svc has room for one more
        assertThat(router.publish("t", "cfg/0", bytes("3"), 1, true, null, "other").retainRefused()).isFalse();
        assertThat(router.publish("t", "cfg/3", bytes("1"), 1, true, null, "other").retainRefused()).isTrue();
        assertThat(router.publish("t", "cfg/3", bytes("1"), 1, true, null, "svc").retainRefused()).isFalse();
        assertThat(router.publish("t", "cfg/3", bytes(""), 1, true, null, "anyone").retainRefused())
                .as("deleting frees its publisher's share").isFalse();
        assertThat(router.publish("t", "cfg/4", bytes("1"), 1, true, null, "svc").retainRefused()).isFalse();
        assertThat(drops).containsExactly("retained_limit", "retained_limit");
    }

    @Test
    void clearingADevicesTreeRemovesOnlyItsTopicsEverywhere() {
        TopicRouter router = recorded(new TopicRouter(100, 10, drops::add));
        retain(router, "d/x/up/state", "1");
        retain(router, "d/x/down/valve", "1");
        retain(router, "d/xy/up/state", "1"); // a device whose id starts like x's
        retain(router, "d/y/down/valve", "1");
        journal.clear();
        shared.clear();

        assertThat(router.clearRetained("t", "d/x/down")).isEqualTo(1);
        assertThat(journal).containsExactly("clear d/x/down/valve");
        assertThat(shared).containsExactly("clear d/x/down/valve");
        assertThat(router.clearRetained("t", "d/x")).isEqualTo(1);
        assertThat(router.clearRetained("other-tenant", "d/x")).isZero();
        assertThat(router.retainedCount("t")).isEqualTo(2);
        io.edgeauth.broker.testsupport.CollectingSubscriber probe = new io.edgeauth.broker.testsupport.CollectingSubscriber();
        router.subscribe("t", "#", 1, probe);
        List<RoutedMessage> got = probe.messages();
        assertThat(got).extracting(RoutedMessage::topic).containsExactlyInAnyOrder("d/xy/up/state", "d/y/down/valve");
        for (int i = 0; i < 10; i++) { // the device's share is free again
            assertThat(retain(router, "d/x/up/" + i, "1").retainRefused()).isFalse();
        }
        assertThatThrownBy(() -> router.clearRetained("t", "d/+")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void boundsAreChecked() {
        assertThatThrownBy(() -> new TopicRouter(0, 1, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TopicRouter(10, 11, null)).isInstanceOf(IllegalArgumentException.class);
    }

    /** A retained message whose Message Expiry Interval passed gives its room to a new topic, here and everywhere. */
    @Test
    void anExpiredRetainedMessageMakesRoomAtTheBound() {
        java.time.Instant[] now = {java.time.Instant.parse("2026-12-07T00:00:00Z")};
        TopicRouter router = recorded(new TopicRouter(2, r -> drops.add(r)));
        router.clock(new java.time.Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public java.time.Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public java.time.Instant instant() {
                return now[0];
            }
        });
        long t0 = now[0].toEpochMilli();
        router.publish(new RoutedMessage("t", "a", bytes("1"), 1, true, null, "x",
                MessageAttributes.of(t0, 10, null, null, null, null)));
        retain(router, "b", "2");
        assertThat(retain(router, "c", "3").retainRefused()).as("full, and nothing expired yet").isTrue();
        now[0] = now[0].plusSeconds(10);
        assertThat(retain(router, "c", "3").retainRefused()).as("a expired: its room is c's").isFalse();
        assertThat(router.retainedCount("t")).isEqualTo(2);
        assertThat(journal).containsSubsequence("clear a", "set c");
        assertThat(shared).containsSubsequence("clear a", "set c");
        assertThat(drops).containsExactly("retained_limit");
    }
}
