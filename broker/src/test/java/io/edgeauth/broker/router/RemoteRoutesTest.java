package io.edgeauth.broker.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The router's side of cross-node routing without Redis: remote subscribers take QoS 1 through a hand-over
 * whose future the publish result carries, messages from another node never go to a remote subscriber or
 * to the local share groups again, a share group spans local and remote members, and the link hears each
 * local subscription once (not remote ones, not a replaced one) and every retained change.
 */
class RemoteRoutesTest {
    private final List<String> drops = new CopyOnWriteArrayList<>();
    private final TopicRouter router = new TopicRouter(100, drops::add);

    /** A local subscriber that records payloads. */
    static class Local implements Subscriber {
        final List<String> got = new CopyOnWriteArrayList<>();

        @Override
        public Offer offer(RoutedMessage message, int qos) {
            got.add(new String(message.payload(), StandardCharsets.UTF_8));
            return Offer.ACCEPTED;
        }

        @Override
        public void whenWritable(Runnable callback) {
            callback.run();
        }

        @Override
        public String id() {
            return "local";
        }
    }

    /** Another node: QoS 0 offers recorded as a local subscriber's, QoS 1 hand-overs completing when the test says. */
    static final class FakeNode extends Local implements RemoteSubscriber {
        final List<String> handedOff = new CopyOnWriteArrayList<>();
        final List<String> offered = got;
        final CompletableFuture<Void> stored = new CompletableFuture<>();

        @Override
        public CompletableFuture<Void> handOff(RoutedMessage message) {
            handedOff.add(new String(message.payload(), StandardCharsets.UTF_8));
            return stored;
        }
    }

    /** A link that records what it is told. */
    static final class Link implements ClusterLink {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void subscribed(String tenant, String filter) {
            events.add("+" + tenant + ":" + filter);
        }

        @Override
        public void unsubscribed(String tenant, String filter) {
            events.add("-" + tenant + ":" + filter);
        }

        @Override
        public CompletableFuture<Void> retained(RoutedMessage message) {
            events.add("retained:" + message.topic() + "=" + new String(message.payload(), StandardCharsets.UTF_8));
            return CompletableFuture.completedFuture(null);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void qos1GoesToARemoteNodeByHandOverAndTheResultWaitsForIt() {
        FakeNode node = new FakeNode();
        Local local = new Local();
        router.subscribe("t", "d/+/up", 1, node);
        router.subscribe("t", "d/#", 1, node); // two matching routes of one node: one copy
        router.subscribe("t", "d/x/up", 1, local);
        PublishResult one = router.publish("t", "d/x/up", bytes("m1"), 1, false, null, "x");
        assertThat(node.handedOff).containsExactly("m1");
        assertThat(local.got).containsExactly("m1");
        assertThat(one.handoff()).isNotNull().isNotDone();
        node.stored.complete(null);
        assertThat(one.handoff()).isDone();
        PublishResult zero = router.publish("t", "d/x/up", bytes("m0"), 0, false, null, "x");
        assertThat(node.offered).containsExactly("m0");
        assertThat(zero.handoff()).isNull();
    }

    @Test
    void aSingleNodeRouterHasNoHandOver() {
        Local local = new Local();
        router.subscribe("t", "a/#", 1, local);
        assertThat(router.publish("t", "a/b", bytes("m"), 1, true, null, "x").handoff()).isNull();
    }

    @Test
    void aMessageFromAnotherNodeReachesLocalSubscribersOnly() {
        FakeNode node = new FakeNode();
        Local plain = new Local();
        Local member = new Local();
        router.subscribe("t", "a/#", 1, node);
        router.subscribe("t", "a/#", 1, plain);
        router.subscribe("t", "$share/g/a/#", 1, member);
        router.deliverLocally(new RoutedMessage("t", "a/b", bytes("in"), 1, true, null, "x"), null, null);
        assertThat(plain.got).containsExactly("in");
        assertThat(member.got).as("the sending node chose the share groups' members").isEmpty();
        assertThat(node.handedOff).isEmpty();
        assertThat(node.offered).isEmpty();
        assertThat(router.retainedCount("t")).as("retained state travels on its own").isZero();
        router.deliverLocally(new RoutedMessage("t", "a/b", bytes("for-g"), 1, false, null, "x"), "g", "a/#");
        assertThat(member.got).containsExactly("for-g");
        assertThat(plain.got).containsExactly("in");
        router.deliverLocally(new RoutedMessage("t", "a/b", bytes("gone"), 1, false, null, "x"), "other", "a/#");
        assertThat(drops).containsExactly("share_group_gone");
    }

    @Test
    void aShareGroupTakesTurnsBetweenLocalAndRemoteMembers() {
        FakeNode node = new FakeNode();
        Local member = new Local();
        router.subscribe("t", "$share/g/a/#", 1, member);
        router.subscribe("t", "$share/g/a/#", 1, node);
        for (int i = 0; i < 10; i++) {
            router.publish("t", "a/b", bytes("m" + i), 1, false, null, "x");
        }
        assertThat(member.got).hasSize(5);
        assertThat(node.handedOff).hasSize(5);
        assertThat(member.got).doesNotContainAnyElementsOf(node.handedOff);
    }

    @Test
    void theLinkHearsLocalSubscriptionsOnceAndRetainedChanges() {
        Link link = new Link();
        router.clusterLink(link);
        Local local = new Local();
        Subscription s = router.subscribe("t", "a/#", 1, local);
        router.subscribe("t", "a/#", 0, local); // the same subscriber again: a replacement, not a new route
        FakeNode other = new FakeNode();
        router.subscribe("t", "b/#", 1, other); // another node's route is not announced back
        router.publish("t", "a/b", bytes("r"), 1, true, null, "x");
        router.unsubscribe(s);
        router.unsubscribe(s); // gone already: nothing to announce
        assertThat(link.events).containsExactly("+t:a/#", "retained:a/b=r", "-t:a/#");
        router.subscribe("t", "a/#", 1, other);
        assertThat(other.offered).as("retained messages are not sent to another node: it has its own copies").isEmpty();
        assertThat(other.handedOff).isEmpty();
    }
}
