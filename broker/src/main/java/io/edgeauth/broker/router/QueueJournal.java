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
}
