package io.edgeauth.broker.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TopicRouterTest {

    private final List<String> drops = new CopyOnWriteArrayList<>();
    private final TopicRouter router = new TopicRouter(100, drops::add);

    /** A subscriber that records what reaches its sink (delivered synchronously, auto-acked). */
    private final class Recorder {
        final List<Delivery> got = new CopyOnWriteArrayList<>();
        final SubscriberQueue queue;

        Recorder(String id) {
            queue = new SubscriberQueue(id, 10, 5, 2, OverflowPolicy.DROP_OLDEST, drops::add);
            queue.attach(d -> {
                got.add(d);
                queue.acknowledged(d);
            }, Runnable::run, 2);
        }

        List<String> topics() {
            List<String> out = new ArrayList<>();
            got.forEach(d -> out.add(d.message().topic()));
            return out;
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void wildcardsMatchWithinTheTenantOnly() {
        Recorder a = new Recorder("a");
        Recorder b = new Recorder("b");
        router.subscribe("tenantA", "d/+/up/#", 1, a.queue);
        router.subscribe("tenantB", "d/x/up", 1, b.queue);
        router.publish("tenantA", "d/x/up", bytes("1"), 1, false, null, "x");
        router.publish("tenantA", "d/x/up/t/h", bytes("2"), 1, false, null, "x");
        router.publish("tenantA", "d/x/down", bytes("3"), 1, false, null, "x");
        assertThat(a.topics()).containsExactly("d/x/up", "d/x/up/t/h");
        assertThat(b.got).isEmpty();
        router.publish("tenantB", "d/x/up", bytes("4"), 0, false, null, "x");
        assertThat(b.topics()).containsExactly("d/x/up");
        assertThat(a.got).hasSize(2);
    }

    @Test
    void overlappingSubscriptionsDeliverOnceAtHighestQos() {
        Recorder a = new Recorder("a");
        router.subscribe("t", "d/#", 0, a.queue);
        router.subscribe("t", "d/x/+", 1, a.queue);
        router.publish("t", "d/x/up", bytes("1"), 1, false, null, "x");
        assertThat(a.got).hasSize(1);
        assertThat(a.got.get(0).qos()).isEqualTo(1);
    }

    @Test
    void wideFanOutWithOverlapsDeliversOncePerSubscriberAtHighestQos() {
        List<Recorder> recorders = new ArrayList<>();
        for (int i = 0; i < 20; i++) { // past the linear duplicate check of a publish's target list
            Recorder r = new Recorder("r" + i);
            recorders.add(r);
            router.subscribe("t", "d/+/up", 0, r.queue);
            router.subscribe("t", "d/#", i % 2, r.queue);
            router.subscribe("t", "#", 0, r.queue);
        }
        PublishResult result = router.publish("t", "d/x/up", bytes("1"), 1, false, null, "x");
        assertThat(result.matched()).isEqualTo(20);
        for (int i = 0; i < 20; i++) {
            assertThat(recorders.get(i).got).hasSize(1);
            assertThat(recorders.get(i).got.get(0).qos()).isEqualTo(i % 2);
        }
    }

    @Test
    void topicLevelsKeepEmptyLevels() {
        assertThat(TopicLevels.split("a//b/")).containsExactly("a", "", "b", "");
        assertThat(TopicLevels.split("/")).containsExactly("", "");
        assertThat(TopicLevels.split("abc")).containsExactly("abc");
    }

    @Test
    void sinkOnItsOwnThreadGetsDeliveriesInlineInOrderWithoutTheExecutor() {
        List<String> got = new ArrayList<>();
        AtomicInteger hops = new AtomicInteger();
        SubscriberQueue q = new SubscriberQueue("inline", 10, 0, 5, OverflowPolicy.DROP_OLDEST, drops::add);
        RoutedMessage second = new RoutedMessage("t", "d/x/2", bytes("2"), 0, false, null, "x");
        q.attach(new SubscriberQueue.Sink() {
            @Override
            public void send(Delivery d) {
                got.add(d.message().topic());
                if (d.message().topic().equals("d/x/1")) {
                    q.offer(second, 0); // re-entrant offer: queued behind, sent by the same drain
                }
            }

            @Override
            public boolean onExecutorThread() {
                return true;
            }
        }, task -> hops.incrementAndGet(), 5);
        assertThat(q.offer(new RoutedMessage("t", "d/x/1", bytes("1"), 0, false, null, "x"), 0))
                .isEqualTo(Subscriber.Offer.ACCEPTED);
        assertThat(got).containsExactly("d/x/1", "d/x/2");
        assertThat(hops).hasValue(0);
        assertThat(q.queued()).isZero();
    }

    @Test
    void dollarTopicsAreNotMatchedByLeadingWildcards() {
        Recorder a = new Recorder("a");
        router.subscribe("t", "#", 0, a.queue);
        router.subscribe("t", "+/x", 0, a.queue);
        router.publish("t", "$auth/x", bytes("1"), 0, false, null, "x");
        assertThat(a.got).isEmpty();
    }

    @Test
    void retainedPerTenantAndDeletedByEmptyPayload() {
        router.publish("t1", "d/x/up/state", bytes("on"), 1, true, null, "x");
        router.publish("t2", "d/x/up/state", bytes("other"), 1, true, null, "x");
        Recorder a = new Recorder("a");
        router.subscribe("t1", "d/x/up/#", 1, a.queue);
        assertThat(a.got).singleElement().satisfies(d -> {
            assertThat(new String(d.message().payload(), StandardCharsets.UTF_8)).isEqualTo("on");
            assertThat(d.message().retain()).isTrue();
        });
        router.publish("t1", "d/x/up/state", new byte[0], 1, true, null, "x");
        assertThat(router.retainedCount("t1")).isZero();
        assertThat(router.retainedCount("t2")).isEqualTo(1);
        assertThat(a.got.get(a.got.size() - 1).message().retain()).isFalse(); // live forward: retain cleared
    }

    @Test
    void sharedSubscriptionsRoundRobin() {
        Recorder a = new Recorder("a");
        Recorder b = new Recorder("b");
        Recorder plain = new Recorder("plain");
        router.subscribe("t", "$share/g/d/+/up", 1, a.queue);
        router.subscribe("t", "$share/g/d/+/up", 1, b.queue);
        router.subscribe("t", "d/+/up", 1, plain.queue);
        for (int i = 0; i < 10; i++) {
            router.publish("t", "d/x/up", bytes("m" + i), 1, false, null, "x");
        }
        assertThat(a.got).hasSize(5);
        assertThat(b.got).hasSize(5);
        assertThat(plain.got).hasSize(10);
    }

    /**
     * Tour K, K9: a member whose client is away (a persistent session, offline) is skipped while another is connected;
     * it held every other message of the group until its client came back. With every member away, they take turns.
     */
    @Test
    void sharedSubscriptionsPreferConnectedMembers() {
        Recorder online = new Recorder("online");
        Recorder away = new Recorder("away");
        router.subscribe("t", "$share/g/d/+/up", 1, online.queue);
        router.subscribe("t", "$share/g/d/+/up", 1, away.queue);
        away.queue.detach();
        for (int i = 0; i < 10; i++) {
            router.publish("t", "d/x/up", bytes("m" + i), 1, false, null, "x");
        }
        assertThat(online.got).hasSize(10);
        assertThat(away.queue.queued()).isZero();
        online.queue.detach();
        for (int i = 0; i < 4; i++) {
            router.publish("t", "d/x/up", bytes("n" + i), 1, false, null, "x");
        }
        assertThat(online.queue.queued() + away.queue.queued()).isEqualTo(4);
        assertThat(away.queue.queued()).isEqualTo(2);
    }

    @Test
    void unsubscribeStopsDeliveryAndPrunes() {
        Recorder a = new Recorder("a");
        Subscription s = router.subscribe("t", "d/x/down/#", 1, a.queue);
        assertThat(router.unsubscribe(s)).isTrue();
        router.publish("t", "d/x/down/cmd", bytes("1"), 1, false, null, "x");
        assertThat(a.got).isEmpty();
        assertThat(router.unsubscribe(s)).isFalse();
    }

    @Test
    void slowSubscriberIsBoundedAndSignalsCongestion() {
        SubscriberQueue slow = new SubscriberQueue("slow", 8, 4, 1, OverflowPolicy.DROP_OLDEST, drops::add);
        List<Delivery> sent = new ArrayList<>();
        slow.attach(sent::add, Runnable::run, 1); // never acknowledges
        router.subscribe("t", "d/x/up", 1, slow);
        boolean congestedSeen = false;
        for (int i = 0; i < 1000; i++) {
            PublishResult r = router.publish("t", "d/x/up", bytes("m" + i), i < 990 ? 1 : 0, false, null, "x");
            congestedSeen |= r.congestedAny();
        }
        assertThat(congestedSeen).isTrue();
        assertThat(slow.queued()).isLessThanOrEqualTo(8);
        assertThat(slow.inflight()).isEqualTo(1);
        assertThat(drops).contains(SubscriberQueue.DROP_QUEUE_FULL, SubscriberQueue.DROP_OVERFLOW_OLDEST);
        AtomicInteger writable = new AtomicInteger();
        slow.whenWritable(writable::incrementAndGet);
        assertThat(writable).hasValue(0);
        slow.detach(); // offline: waiters released, queue cut to the offline bound
        assertThat(writable).hasValue(1);
        assertThat(slow.queued()).isLessThanOrEqualTo(4);
    }

    @Test
    void messagesLeftBehindAtADisconnectAreCountedAsWhatTheyAre() {
        SubscriberQueue clean = new SubscriberQueue("clean", 10, 0, 1, OverflowPolicy.DROP_OLDEST, drops::add);
        SubscriberQueue persistent = new SubscriberQueue("persistent", 10, 2, 1, OverflowPolicy.DROP_OLDEST, drops::add);
        for (SubscriberQueue q : List.of(clean, persistent)) {
            q.attach(d -> { }, Runnable::run, 1); // never acknowledges: one inflight, the rest queued
            router.subscribe("t", "d/" + q.id() + "/down", 1, q);
            for (int i = 0; i < 5; i++) {
                router.publish("t", "d/" + q.id() + "/down", bytes("m" + i), 1, false, null, "x");
            }
        }
        assertThat(drops).isEmpty();
        clean.detach(); // a clean session ends: nothing it was owed overflowed, it went with the session
        assertThat(drops).containsExactly("session_ended", "session_ended", "session_ended", "session_ended",
                "session_ended");
        drops.clear();
        persistent.detach(); // 5 owed, 2 kept offline
        assertThat(drops).containsExactly("offline_queue_full", "offline_queue_full", "offline_queue_full");
        assertThat(persistent.queued()).isEqualTo(2);
    }

    @Test
    void offlineSessionKeepsQos1AndRedeliversUnacked() {
        SubscriberQueue q = new SubscriberQueue("p", 10, 3, 5, OverflowPolicy.DROP_OLDEST, drops::add);
        List<Delivery> first = new ArrayList<>();
        q.attach(first::add, Runnable::run, 5);
        router.subscribe("t", "d/x/down", 1, q);
        router.publish("t", "d/x/down", bytes("a"), 1, false, null, "x");
        q.detach(); // "a" was never acked
        router.publish("t", "d/x/down", bytes("b"), 1, false, null, "x");
        router.publish("t", "d/x/down", bytes("zero"), 0, false, null, "x");
        List<Delivery> second = new ArrayList<>();
        q.attach(second::add, Runnable::run, 5);
        assertThat(second).extracting(d -> new String(d.message().payload(), StandardCharsets.UTF_8))
                .containsExactly("a", "b");
        assertThat(second.get(0).duplicate()).isTrue();
        assertThat(drops).contains(SubscriberQueue.DROP_OFFLINE_QOS0);
    }

    @Test
    void manySubscriptionsStillMatchExactly() {
        Recorder hit = new Recorder("hit");
        for (int i = 0; i < 20_000; i++) {
            router.subscribe("t", "d/dev" + i + "/down/#", 1, new SubscriberQueue("s" + i, 1, 0, 1,
                    OverflowPolicy.DROP_NEW, null));
        }
        router.subscribe("t", "d/dev7/up/#", 1, hit.queue);
        for (int i = 0; i < 10_000; i++) {
            router.publish("t", "d/dev7/up/t", bytes("x"), 0, false, null, "x");
        }
        // speed is measured, not asserted: bench/jmh broker PolicyBenchmark (router fan-out among 10,000 subscriptions)
        assertThat(hit.got).hasSize(10_000);
    }
}
