package io.edgeauth.broker.router;

import java.util.concurrent.CompletableFuture;

/**
 * What the {@link TopicRouter} tells the other nodes, when there are any ({@code store.type: redis}):
 * each subscription of this node's own subscribers as it comes and goes (the link counts them and
 * announces a (tenant, filter) when its first one arrives and its last one leaves) and every
 * retained-message change. Without
 * other nodes no link is set and the router's paths do not change. Called on the subscriber's or
 * publisher's thread: must not block.
 */
public interface ClusterLink {

    /** A local subscriber subscribed to {@code filter} (as requested, maybe {@code $share/g/...}) in {@code tenant}. */
    void subscribed(String tenant, String filter);

    /** A local subscription to {@code filter} in {@code tenant} ended. */
    void unsubscribed(String tenant, String filter);

    /**
     * A retained message was set (or cleared: empty payload) by a publish on this node; the future
     * completes once every node can see it.
     */
    CompletableFuture<Void> retained(RoutedMessage message);
}
