package io.edgeauth.broker.router;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** The members of one shared subscription {@code $share/<group>/<filter>}, picked round-robin. */
final class ShareGroup {
    final CopyOnWriteArrayList<Subscription> members = new CopyOnWriteArrayList<>();
    final AtomicInteger next = new AtomicInteger();
    volatile Subscriber last;

    /** The next member round-robin (local or remote), or null if none. */
    Subscription next() {
        Object[] snapshot = members.toArray();
        if (snapshot.length == 0) {
            return null;
        }
        return (Subscription) snapshot[Math.floorMod(next.getAndIncrement(), snapshot.length)];
    }

    /** The next local member round-robin, or null if none (a message another node chose this node for). */
    Subscription nextLocal() {
        Object[] snapshot = members.toArray();
        int start = next.getAndIncrement();
        for (int k = 0; k < snapshot.length; k++) {
            Subscription s = (Subscription) snapshot[Math.floorMod(start + k, snapshot.length)];
            if (!(s.subscriber() instanceof RemoteSubscriber)) {
                return s;
            }
        }
        return null;
    }

    /** Offers {@code message} (its RETAIN flag as published) to {@code first}, then to the other local members while it is dropped. */
    Subscriber.Offer deliver(RoutedMessage message, Subscription first) {
        Subscriber.Offer offer = offer(first, message);
        if (offer != Subscriber.Offer.DROPPED) {
            return offer;
        }
        for (Object o : members.toArray()) {
            Subscription s = (Subscription) o;
            if (s != first && !(s.subscriber() instanceof RemoteSubscriber)) {
                offer = offer(s, message);
                if (offer != Subscriber.Offer.DROPPED) {
                    break;
                }
            }
        }
        return offer;
    }

    private Subscriber.Offer offer(Subscription s, RoutedMessage message) {
        last = s.subscriber();
        RoutedMessage out = (s.flags() & Subscription.RETAIN_AS_PUBLISHED) != 0 ? message : message.withRetain(false);
        return s.subscriber().offer(out, Math.min(s.qos(), message.qos()));
    }

    Subscriber lastTarget() {
        return last;
    }
}
