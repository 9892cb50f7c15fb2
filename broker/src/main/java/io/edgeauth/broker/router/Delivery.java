package io.edgeauth.broker.router;

/**
 * A message a {@link SubscriberQueue} holds for its client: its delivery QoS and whether it is a re-delivery (one int,
 * {@code flags}: a boolean next to the share group would make every delivery 40 bytes instead of 32), its id in the
 * session's {@link QueueJournal} (0 when not journaled), and the share group it came through (null when not shared),
 * whose other members get it if the session ends ({@link SharedRedelivery}). Immutable.
 */
public record Delivery(RoutedMessage message, int flags, long journalId, ShareGroup shareGroup) {
    private static final int DUP = 4;

    public Delivery(RoutedMessage message, int qos, boolean duplicate) {
        this(message, qos, duplicate, 0);
    }

    public Delivery(RoutedMessage message, int qos, boolean duplicate, long journalId) {
        this(message, qos | (duplicate ? DUP : 0), journalId, null);
    }

    /** The delivery QoS, 0 or 1. */
    public int qos() {
        return flags & 3;
    }

    /** Whether it was sent before (DUP). */
    public boolean duplicate() {
        return (flags & DUP) != 0;
    }

    /** The same delivery under another journal id. */
    Delivery journaled(long id) {
        return new Delivery(message, flags, id, shareGroup);
    }

    /** The same delivery, to be sent again (DUP). */
    Delivery resent() {
        return new Delivery(message, flags | DUP, journalId, shareGroup);
    }
}
