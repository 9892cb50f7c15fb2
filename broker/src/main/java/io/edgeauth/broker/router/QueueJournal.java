package io.edgeauth.broker.router;

/**
 * Where a persistent session's {@link SubscriberQueue} records its QoS 1 messages so that they outlive the
 * process: every message it takes is appended under the queue's key, and removed once it has left for
 * good (acknowledged by the client, dropped by the overflow policy, or the session ended). Both calls are
 * made under the queue's lock, so they must not block: an implementation hands them to its own writer.
 */
public interface QueueJournal {

    /** Records a message queued for {@code queueKey}; returns its journal id (positive, increasing). */
    long append(String queueKey, RoutedMessage message);

    /** The message with this journal id left its queue for good. */
    void remove(long journalId);

    /**
     * Moves {@code deliveries} (a queue's, under its lock) from journal {@code from} to {@code to} under {@code key}
     * (either null: none), keeping their order; each is re-stamped with its new journal id (0 when not journaled).
     */
    static void move(java.util.ArrayDeque<Delivery> deliveries, QueueJournal from, QueueJournal to, String key) {
        int n = deliveries.size();
        for (int i = 0; i < n; i++) {
            Delivery d = deliveries.pollFirst();
            if (d.journalId() > 0 && from != null) {
                from.remove(d.journalId());
            }
            long id = to != null && d.qos() > 0 ? to.append(key, d.message()) : 0;
            deliveries.addLast(d.journaled(id));
        }
    }
}
