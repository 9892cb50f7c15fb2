package io.edgeauth.broker.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * MQTT 5 §4.8.2 at the router: the QoS 1 messages a share-group member still owes when its session ends (sent and
 * unacknowledged, or queued) go to another member of the group as new deliveries; its non-shared and QoS 0 messages
 * do not; a member on another node gets them through its node's inbox.
 */
class SharedRedeliveryTest {
    private final List<String> drops = new CopyOnWriteArrayList<>();
    private final TopicRouter router = new TopicRouter(100, drops::add);

    /** A member whose sink records what it is sent; {@code acks}: whether it acknowledges. */
    private final class Member {
        final List<Delivery> got = new CopyOnWriteArrayList<>();
        final SubscriberQueue queue;

        Member(String id, int offlineCapacity, int window, boolean acks) {
            queue = new SubscriberQueue(id, 10, offlineCapacity, window, OverflowPolicy.DROP_OLDEST, drops::add);
            queue.attach(d -> {
                got.add(d);
                if (acks) {
                    queue.acknowledged(d);
                }
            }, Runnable::run, window);
        }

        List<String> sent() {
            List<String> out = new ArrayList<>();
            got.forEach(d -> out.add(text(d.message()) + (d.duplicate() ? " dup" : "") + " q" + d.qos()));
            return out;
        }
    }

    private static String text(RoutedMessage m) {
        return new String(m.payload(), StandardCharsets.UTF_8);
    }

    private void publish(String topic, String payload, int qos) {
        router.publish("t", topic, payload.getBytes(StandardCharsets.UTF_8), qos, false, null, "p");
    }

    @Test
    void whatAnEndedMemberOwedTheGroupGoesToAnotherMemberAndNothingElse() {
        Member leaver = new Member("leaver", 0, 1, false); // a clean session, one message in flight at a time
        Member stayer = new Member("stayer", 0, 10, true);
        List<Subscription> subs = List.of(router.subscribe("t", "$share/g/a/#", 1, leaver.queue),
                router.subscribe("t", "b/#", 1, leaver.queue));
        router.subscribe("t", "$share/g/a/#", 1, stayer.queue);
        publish("a/1", "m1", 1); // leaver: sent, not acknowledged
        publish("a/2", "m2", 1); // stayer
        publish("a/3", "m3", 1); // leaver: queued behind m1
        publish("a/4", "m4", 0); // stayer
        publish("a/5", "m5", 0); // leaver: QoS 0, queued
        publish("b/1", "plain", 1); // leaver, not through the group
        assertThat(leaver.sent()).containsExactly("m1 q1");
        assertThat(stayer.sent()).containsExactly("m2 q1", "m4 q0");
        subs.forEach(router::unsubscribe);
        assertThat(SharedRedelivery.handBack(leaver.queue, drops::add)).isEqualTo(2);
        assertThat(stayer.sent()).as("new deliveries, in the leaver's order")
                .containsExactly("m2 q1", "m4 q0", "m1 q1", "m3 q1");
        assertThat(stayer.got.get(2).shareGroup()).as("still the group's, should the stayer's session end too").isNotNull();
        assertThat(leaver.queue.inflight()).isZero();
        assertThat(leaver.queue.queued()).as("its QoS 0 and non-shared messages stay with it").isEqualTo(2);
        assertThat(drops).isEmpty();
    }

    @Test
    void anOfflineMembersResendsGoOutWithoutDupAndLeaveItsJournal() {
        Member leaver = new Member("leaver", 10, 1, false); // persistent, journaled
        List<Long> removed = new CopyOnWriteArrayList<>();
        AtomicLong ids = new AtomicLong();
        leaver.queue.journal(new QueueJournal() {
            @Override
            public long append(String queueKey, RoutedMessage message) {
                return ids.incrementAndGet();
            }

            @Override
            public void remove(long journalId) {
                removed.add(journalId);
            }
        }, "k");
        Member stayer = new Member("stayer", 0, 10, true);
        router.subscribe("t", "$share/g/a/#", 1, leaver.queue);
        router.subscribe("t", "$share/g/a/#", 1, stayer.queue);
        publish("a/1", "m1", 1);
        publish("a/2", "m2", 1);
        leaver.queue.detach(); // its client went away: m1 is queued again, to be resent with DUP
        // its session expires; still subscribed at this point, the leaver is never chosen again
        assertThat(SharedRedelivery.handBack(leaver.queue, drops::add)).isEqualTo(1);
        assertThat(stayer.sent()).containsExactly("m2 q1", "m1 q1");
        assertThat(removed).containsExactly(1L);
        assertThat(leaver.queue.queued()).isZero();
    }

    @Test
    void aMemberOnAnotherNodeGetsItThroughItsInbox() {
        Member leaver = new Member("leaver", 0, 1, false);
        RemoteRoutesTest.FakeNode node = new RemoteRoutesTest.FakeNode();
        router.subscribe("t", "$share/g/a/#", 1, leaver.queue);
        router.subscribe("t", "$share/g/a/#", 1, node);
        publish("a/1", "m1", 1);
        assertThat(leaver.sent()).containsExactly("m1 q1");
        assertThat(SharedRedelivery.handBack(leaver.queue, drops::add)).isEqualTo(1);
        assertThat(node.handedOff).containsExactly("m1");
        node.stored.completeExceptionally(new IllegalStateException("inbox down"));
        assertThat(drops).containsExactly(SharedRedelivery.DROP_HANDOFF_FAILED);
    }

    @Test
    void aHandOffThatFailsGoesToTheGroupsNextMemberInstead() {
        Member leaver = new Member("leaver", 0, 1, false);
        RemoteRoutesTest.FakeNode down = new RemoteRoutesTest.FakeNode();
        Member stayer = new Member("stayer", 0, 10, true);
        router.subscribe("t", "$share/g/a/#", 1, leaver.queue);
        router.subscribe("t", "$share/g/a/#", 1, down);
        router.subscribe("t", "$share/g/a/#", 1, stayer.queue);
        publish("a/1", "m1", 1); // round-robin: the leaver, so the hand-back tries the node first
        assertThat(SharedRedelivery.handBack(leaver.queue, drops::add)).isEqualTo(1);
        assertThat(down.handedOff).containsExactly("m1");
        assertThat(stayer.sent()).isEmpty();
        down.stored.completeExceptionally(new IllegalStateException("inbox down"));
        assertThat(stayer.sent()).as("nobody else holds the message: the group's next member gets it").containsExactly("m1 q1");
        assertThat(leaver.sent()).as("never the member that left").containsExactly("m1 q1");
        assertThat(drops).isEmpty();
    }

    @Test
    void aFailedHandOffTriesEveryOtherNodeOnceAndIsCountedLostOnlyWhenAllFailed() {
        Member leaver = new Member("leaver", 0, 1, false);
        RemoteRoutesTest.FakeNode first = new RemoteRoutesTest.FakeNode();
        RemoteRoutesTest.FakeNode second = new RemoteRoutesTest.FakeNode();
        router.subscribe("t", "$share/g/a/#", 1, leaver.queue);
        router.subscribe("t", "$share/g/a/#", 1, first);
        router.subscribe("t", "$share/g/a/#", 1, second);
        publish("a/1", "m1", 1);
        assertThat(SharedRedelivery.handBack(leaver.queue, drops::add)).isEqualTo(1);
        first.stored.completeExceptionally(new IllegalStateException("inbox down"));
        assertThat(second.handedOff).as("the other node").containsExactly("m1");
        assertThat(drops).isEmpty();
        second.stored.completeExceptionally(new IllegalStateException("inbox down"));
        assertThat(first.handedOff).as("a node that failed is not tried again").containsExactly("m1");
        assertThat(drops).containsExactly(SharedRedelivery.DROP_HANDOFF_FAILED);
    }

    @Test
    void aPublishThatChoseTheMemberBeforeItLeftIsHandedOnAfterItsHandBack() {
        Member leaver = new Member("leaver", 0, 1, false);
        Member stayer = new Member("stayer", 0, 10, true);
        Subscription chosen = router.subscribe("t", "$share/g/a/#", 1, leaver.queue);
        router.subscribe("t", "$share/g/a/#", 1, stayer.queue);
        publish("a/1", "m1", 1); // the leaver, sent and not acknowledged
        ShareGroup group = leaver.got.get(0).shareGroup();
        router.unsubscribe(chosen);
        assertThat(SharedRedelivery.handBack(leaver.queue, drops::add)).isEqualTo(1);
        // a publisher that picked the leaver before it left the group delivers only now, and one at QoS 0
        assertThat(group.deliver(new RoutedMessage("t", "a/2", "m2".getBytes(StandardCharsets.UTF_8), 1, false, null,
                "p"), chosen)).isEqualTo(Subscriber.Offer.ACCEPTED);
        group.deliver(new RoutedMessage("t", "a/3", "m3".getBytes(StandardCharsets.UTF_8), 0, false, null, "p"), chosen);
        assertThat(stayer.sent()).as("handed on like what it owed before").containsExactly("m1 q1", "m2 q1");
        assertThat(leaver.sent()).as("a QoS 0 message stays with it, as before").containsExactly("m1 q1", "m3 q0");
        assertThat(drops).isEmpty();
    }

    @Test
    void aLateMessageWithNoOtherMemberIsCountedAsLost() {
        Member leaver = new Member("leaver", 0, 1, false);
        Subscription chosen = router.subscribe("t", "$share/g/a/#", 1, leaver.queue);
        publish("a/1", "m1", 1);
        ShareGroup group = leaver.got.get(0).shareGroup();
        router.unsubscribe(chosen);
        SharedRedelivery.handBack(leaver.queue, drops::add);
        assertThat(group.deliver(new RoutedMessage("t", "a/2", "m2".getBytes(StandardCharsets.UTF_8), 1, false, null,
                "p"), chosen)).isEqualTo(Subscriber.Offer.DROPPED);
        assertThat(drops).containsExactly(SharedRedelivery.DROP_NO_OTHER_MEMBER, SharedRedelivery.DROP_NO_OTHER_MEMBER);
        assertThat(leaver.queue.queued()).isZero();
    }

    @Test
    void withNoOtherMemberTheMessageIsCountedAsLost() {
        Member leaver = new Member("leaver", 0, 1, false);
        Subscription sub = router.subscribe("t", "$share/g/a/#", 1, leaver.queue);
        publish("a/1", "m1", 1);
        router.unsubscribe(sub);
        assertThat(SharedRedelivery.handBack(leaver.queue, drops::add)).isZero();
        assertThat(drops).containsExactly(SharedRedelivery.DROP_NO_OTHER_MEMBER);
    }
}
