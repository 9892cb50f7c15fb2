package io.edgeauth.broker.router;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The members of one shared subscription {@code $share/<group>/<filter>}, picked round-robin. Outside this package
 * only a handle: the group a queued message came through ({@link Delivery#shareGroup()}). Thread-safe.
 */
public final class ShareGroup {
    final CopyOnWriteArrayList<Subscription> members = new CopyOnWriteArrayList<>();
    final AtomicInteger next = new AtomicInteger();
    volatile Subscriber last;

    /** The next member round-robin (local or remote), a connected one first, or null if none. */
    Subscription next() {
        return pick(false);
    }

    /** The next local member round-robin, a connected one first, or null if none (another node chose this node). */
    Subscription nextLocal() {
        return pick(true);
    }

    /**
     * Round-robin from the next start, skipping members whose client is away (MQTT 5 §4.8.2 allows either; before
     * 2026-12-08 an offline persistent member got its turn and held 1/N of the group's messages until its client came
     * back or its session expired, tour K, K9). When every candidate is away, the first of them in turn.
     */
    private Subscription pick(boolean localOnly) {
        Object[] snapshot = members.toArray();
        int start = next.getAndIncrement();
        Subscription away = null;
        for (int k = 0; k < snapshot.length; k++) {
            Subscription s = (Subscription) snapshot[Math.floorMod(start + k, snapshot.length)];
            if (localOnly && s.subscriber() instanceof RemoteSubscriber) {
                continue;
            }
            if (s.subscriber().connected()) {
                return s;
            }
            if (away == null) {
                away = s;
            }
        }
        return away;
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

    /**
     * Offers a QoS 1 message that {@code gone}, a member whose session ended, got through this group and did not
     * acknowledge, to another member, round-robin (MQTT 5 §4.8.2): a local one gets it as a new delivery (DUP 0), a
     * remote one through its node's inbox, as a publish hands it over (if that node's inbox fails, the next member gets
     * it); a local member that drops it (and counts the drop) is skipped. What became of it: {@link Subscriber.Offer#DROPPED} if every other member dropped it, null if
     * there was no other member.
     */
    Subscriber.Offer redeliver(RoutedMessage message, Subscriber gone, Consumer<Throwable> handOffFailed) {
        return redeliver(message, Set.of(gone), handOffFailed);
    }

    /** As above, skipping every member in {@code skip}: the one that left, and nodes whose inbox already failed. */
    private Subscriber.Offer redeliver(RoutedMessage message, Set<Subscriber> skip, Consumer<Throwable> handOffFailed) {
        Object[] snapshot = members.toArray();
        int start = next.getAndIncrement();
        Subscriber.Offer offer = null;
        for (int k = 0; k < snapshot.length; k++) {
            Subscription s = (Subscription) snapshot[Math.floorMod(start + k, snapshot.length)];
            if (skip.contains(s.subscriber())) {
                continue;
            }
            if (s.subscriber() instanceof RemoteSubscriber node && s.qos() > 0) {
                node.handOff(message).whenComplete((ok, failure) -> {
                    if (failure != null) {
                        retryElsewhere(message, skip, node, failure, handOffFailed);
                    }
                });
                return Subscriber.Offer.ACCEPTED;
            }
            offer = offer(s, message);
            if (offer != Subscriber.Offer.DROPPED) {
                return offer;
            }
        }
        return offer;
    }

    /**
     * Unlike a publish's hand-off, whose failure the publisher hears (no PUBACK) and retries, a handed-back message
     * has no owner left: so the group's other members get it, each node tried at most once (the set grows with each
     * failure). Lost, and counted so, only when no member is left to try; members that drop it count it themselves.
     */
    private void retryElsewhere(RoutedMessage message, Set<Subscriber> skip, RemoteSubscriber failed, Throwable failure,
                                Consumer<Throwable> handOffFailed) {
        Set<Subscriber> without = new HashSet<>(skip);
        without.add(failed);
        if (redeliver(message, without, handOffFailed) == null) {
            handOffFailed.accept(failure);
        }
    }

    private Subscriber.Offer offer(Subscription s, RoutedMessage message) {
        Subscriber member = s.subscriber();
        last = member;
        RoutedMessage out = (s.flags() & Subscription.RETAIN_AS_PUBLISHED) != 0 ? message : message.withRetain(false);
        int qos = Math.min(s.qos(), message.qos());
        // tagged with the group, so that the member's session, if it ends owing the message, can hand it back
        return member instanceof SubscriberQueue queue ? queue.offer(out, qos, this) : member.offer(out, qos);
    }

    Subscriber lastTarget() {
        return last;
    }
}
