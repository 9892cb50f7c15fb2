package io.edgeauth.broker.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A subscriber that stops reading holds publishers back for one backpressure timeout at most. */
class SubscriberQueueStuckTest {
    private static final int CAPACITY = 8;

    private static RoutedMessage msg(int i) {
        return new RoutedMessage("t", "d/a/up/x", new byte[] {(byte) i}, 0, false, null, "a");
    }

    /** A sink whose transport is full until opened. */
    private static final class Valve implements SubscriberQueue.Sink {
        final AtomicBoolean open = new AtomicBoolean();
        final List<Delivery> sent = new ArrayList<>();

        @Override
        public synchronized void send(Delivery delivery) {
            sent.add(delivery);
        }

        @Override
        public boolean ready() {
            return open.get();
        }
    }

    @Test
    void aQueueFullForLongerThanTheLimitStopsAskingPublishersToPause() {
        SubscriberQueue q = new SubscriberQueue("s", CAPACITY, 0, 100, OverflowPolicy.DROP_OLDEST, null);
        q.stuckAfter(Duration.ofMillis(200));
        Valve valve = new Valve();
        q.attach(valve, Runnable::run, 100);
        Subscriber.Offer last = null;
        for (int i = 0; i < CAPACITY; i++) {
            last = q.offer(msg(i), 1);
        }
        assertThat(last).as("above the high-water mark: publishers pause").isEqualTo(Subscriber.Offer.CONGESTED);
        await().atMost(Duration.ofSeconds(10)).until(() -> q.offer(msg(99), 1) != Subscriber.Offer.CONGESTED);
        assertThat(q.queued()).as("still bounded: its own bound applies instead").isLessThanOrEqualTo(CAPACITY);

        valve.open.set(true); // it reads again: drains below the low-water mark, congestion is signalled anew
        q.wakeUp();
        assertThat(q.queued()).isZero();
        Subscriber.Offer again = null;
        for (int i = 0; i < CAPACITY; i++) {
            again = q.offer(msg(i), 1);
        }
        assertThat(again).isNotEqualTo(Subscriber.Offer.CONGESTED); // sent at once while open
        valve.open.set(false);
        for (int i = 0; i < CAPACITY; i++) {
            again = q.offer(msg(i), 1);
        }
        assertThat(again).isEqualTo(Subscriber.Offer.CONGESTED);
    }

    @Test
    void withoutALimitAFullQueueAlwaysSignalsCongestion() throws Exception {
        SubscriberQueue q = new SubscriberQueue("s", CAPACITY, 0, 100, OverflowPolicy.DROP_OLDEST, null);
        q.attach(new Valve(), Runnable::run, 100);
        for (int i = 0; i < CAPACITY; i++) {
            q.offer(msg(i), 1);
        }
        Thread.sleep(300);
        assertThat(q.offer(msg(1), 1)).isIn(Subscriber.Offer.CONGESTED, Subscriber.Offer.DROPPED);
    }
}
