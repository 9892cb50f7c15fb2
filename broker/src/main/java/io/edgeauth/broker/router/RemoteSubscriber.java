package io.edgeauth.broker.router;

import java.util.concurrent.CompletableFuture;

/**
 * A {@link Subscriber} that stands for another broker node: the {@link TopicRouter} holds it under the
 * filters that node's own subscribers asked for, so one trie match finds local and remote targets alike.
 * A QoS 1 message is handed over with {@link #handOff}, whose future completes once the other node can
 * no longer lose it (it is in that node's durable inbox); the publisher's acknowledgement waits for it.
 * QoS 0 goes through {@link #offer} (fire and forget). Messages that arrive from another node are never
 * given to a remote subscriber again ({@link TopicRouter#deliverLocally}), so nothing loops.
 */
public interface RemoteSubscriber extends Subscriber {

    /** Hands a QoS 1 message over to the node; the future fails when it could not be stored. Never blocks. */
    CompletableFuture<Void> handOff(RoutedMessage message);
}
