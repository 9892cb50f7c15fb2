package io.edgeauth.broker.router;

/**
 * Something that takes messages from the {@link TopicRouter}: an MQTT session, a CoAP observer, another
 * node ({@link RemoteSubscriber}). {@link #offer} is called on the publisher's thread and must never block: a subscriber keeps
 * its own bounded queue ({@link SubscriberQueue} is the standard one) and says when it is congested so
 * the publisher can stop reading its input until {@link #whenWritable} fires.
 */
public interface Subscriber {

    /** What became of an offered message. */
    enum Offer {
        /** queued or sent, room left */
        ACCEPTED,
        /** queued, but the queue is above its high-water mark: the publisher should pause */
        CONGESTED,
        /** not queued (full queue or offline QoS 0), counted by the subscriber */
        DROPPED
    }

    /** Offers a message at the QoS granted for the matching subscription (0 or 1). Never blocks. */
    Offer offer(RoutedMessage message, int qos);

    /** Runs the callback once (on any thread) when the queue has drained below its low-water mark, or now. */
    void whenWritable(Runnable callback);

    /** A short id for logs. */
    String id();

    /**
     * Whether its client is connected now, as far as this node knows (another node's members always are): a share
     * group hands a message to a connected member before one whose offline session would hold it until its client
     * comes back. A hint, never a guarantee.
     */
    default boolean connected() {
        return true;
    }
}
