package io.edgeauth.broker.router;

import java.util.function.Consumer;

/**
 * MQTT 5 §4.8.2: when the session of a shared-subscription member ends (a clean session's connection closing, a
 * persistent session expiring or discarded), the QoS 1 messages it got through a share group and still owed, sent and
 * not acknowledged or still queued, go to another member of that group instead of being lost with the session (a
 * worker pool that loses a worker mid-message keeps the message). They leave in the order the session held them, as
 * new deliveries (DUP 0), so they may arrive after later messages of the group, and a member that processed one
 * without acknowledging it leaves a duplicate (at least once). Messages of non-shared subscriptions and QoS 0 ones
 * end with the session, as before.
 */
public final class SharedRedelivery {
    /** Drop reason: a message handed back to its group, which has no other member (members that drop it count it). */
    public static final String DROP_NO_OTHER_MEMBER = "share_no_other_member";
    /**
     * Drop reason: handing a message back to a member on another node failed (its inbox could not store it), and no
     * other member was left to take it (each other node's inbox failed too, or there was none).
     */
    public static final String DROP_HANDOFF_FAILED = "share_handoff_failed";

    private SharedRedelivery() {
    }

    /**
     * Offers what {@code ended} owes through share groups to the groups' other members (never to {@code ended}, even
     * while it is still subscribed); how many were taken. A message without another member is told to {@code onDrop}.
     * Call it before the session's queue is discarded. From then on {@code ended} hands on every QoS 1 message a group
     * still gives it (a publish that chose it before its subscriptions were removed, or while it stays subscribed).
     */
    public static int handBack(SubscriberQueue ended, Consumer<String> onDrop) {
        int taken = 0;
        for (Delivery d : ended.takeShared()) {
            if (handOn(d.message(), d.shareGroup(), ended, onDrop) != Subscriber.Offer.DROPPED) {
                taken++;
            }
        }
        return taken;
    }

    /**
     * Offers {@code message}, which {@code ended} got through {@code group}, to the group's other members; what became
     * of it ({@link Subscriber.Offer#DROPPED} when no member took it, counted by {@code onDrop} if there was none).
     * Also for a publish that chose {@code ended} just before it left the group and offers after its hand-back.
     */
    static Subscriber.Offer handOn(RoutedMessage message, ShareGroup group, SubscriberQueue ended,
                                   Consumer<String> onDrop) {
        Subscriber.Offer offer = group.redeliver(message, ended, failure -> onDrop.accept(DROP_HANDOFF_FAILED));
        if (offer == null) {
            onDrop.accept(DROP_NO_OTHER_MEMBER);
            return Subscriber.Offer.DROPPED;
        }
        return offer;
    }
}
