package io.edgeauth.broker.testsupport;

import io.edgeauth.broker.router.RoutedMessage;
import io.edgeauth.broker.router.Subscriber;
import java.util.concurrent.atomic.LongAdder;

/** A router subscriber that accepts and counts every message: a stand-in MQTT subscriber for benchmarks. */
public final class CountingSubscriber implements Subscriber {
    private final LongAdder offers = new LongAdder();

    @Override
    public Offer offer(RoutedMessage message, int qos) {
        offers.increment();
        return Offer.ACCEPTED;
    }

    @Override
    public void whenWritable(Runnable callback) {
        callback.run();
    }

    @Override
    public String id() {
        return "counting-subscriber";
    }

    /** Messages offered so far. */
    public long count() {
        return offers.sum();
    }
}
