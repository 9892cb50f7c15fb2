package io.edgeauth.broker.router;

/**
 * What a {@link SubscriberQueue} does with a QoS 1 message when its queue is at the bound. QoS 0
 * messages are always dropped (and counted) when the queue is full, and are never queued for an
 * offline session. Publishers feeding a congested online subscriber are paused first (backpressure),
 * so the policy only applies to what was already read when the queue filled up, to offline sessions,
 * and after the backpressure timeout.
 */
public enum OverflowPolicy {
    /** Drop the oldest queued message to make room (the default: fresh telemetry beats stale). */
    DROP_OLDEST,
    /** Drop the new message. */
    DROP_NEW
}
