package io.edgeauth.broker.cluster;

import io.edgeauth.broker.router.RemoteSubscriber;
import io.edgeauth.broker.router.RoutedMessage;
import io.lettuce.core.XAddArgs;
import io.edgeauth.broker.store.redis.RedisStore;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Another node as a subscriber of this node's router: a message for it is appended ({@code XADD}, bounded
 * with {@code MAXLEN ~}) to its inbox stream {@code ea:inbox:<node>}, which that node reads with a
 * consumer group. One instance stands for the node's plain subscriptions; one more per share group
 * ({@code group}/{@code filter} set) tells the other node which group this node chose it for. QoS 1
 * goes through {@link #handOff} (the future completes when Redis has the entry); QoS 0 is sent without
 * waiting, and dropped once {@value #MAX_QOS0_IN_FLIGHT} of them wait for Redis (a slow Redis must not
 * pile up memory here). Thread-safe.
 */
final class RemoteNode implements RemoteSubscriber {
    static final int MAX_QOS0_IN_FLIGHT = 10_000;
    private static final byte[] EMPTY = new byte[0];

    private final String nodeId;
    private final String inbox;
    private final byte[] group;
    private final byte[] filter;
    private final RedisStore store;
    private final XAddArgs bound;
    private final ClusterMetrics metrics;
    private final AtomicInteger qos0InFlight = new AtomicInteger();
    /** False while the node is dead: its inbox then waits for its persistent sessions' claimants, who skip QoS 0. */
    private volatile boolean forwardQos0 = true;

    RemoteNode(String nodeId, String group, String filter, RedisStore store, int inboxLength, ClusterMetrics metrics) {
        this.nodeId = nodeId;
        this.inbox = Inbox.key(nodeId);
        this.group = group == null ? EMPTY : group.getBytes(StandardCharsets.UTF_8);
        this.filter = filter == null ? EMPTY : filter.getBytes(StandardCharsets.UTF_8);
        this.store = store;
        this.bound = XAddArgs.Builder.maxlen(inboxLength).approximateTrimming();
        this.metrics = metrics;
    }

    @Override
    public CompletableFuture<Void> handOff(RoutedMessage message) {
        metrics.forwarded(1);
        // acknowledged to the publisher once it is in the inbox (and on the replicas store.redisWaitReplicas asks for)
        return store.replicated(append(message, 1)).handle((id, failure) -> {
            if (failure != null) {
                metrics.handOffFailed();
                throw failure instanceof CompletionException c ? c : new CompletionException(failure);
            }
            return null;
        });
    }

    /** Whether QoS 0 messages go to the node's inbox (false: dropped and counted, as for an offline session). */
    void forwardQos0(boolean forward) {
        forwardQos0 = forward;
    }

    @Override
    public Offer offer(RoutedMessage message, int qos) {
        if (!forwardQos0) {
            metrics.qos0Dropped();
            return Offer.DROPPED;
        }
        if (qos0InFlight.incrementAndGet() > MAX_QOS0_IN_FLIGHT) {
            qos0InFlight.decrementAndGet();
            metrics.qos0Dropped();
            return Offer.DROPPED;
        }
        metrics.forwarded(0);
        append(message, 0).whenComplete((id, failure) -> {
            qos0InFlight.decrementAndGet();
            if (failure != null) {
                metrics.qos0Dropped();
            }
        });
        return Offer.ACCEPTED;
    }

    private java.util.concurrent.CompletionStage<String> append(RoutedMessage message, int qos) {
        RoutedMessage sent = message.qos() == qos ? message : message.atQos(qos);
        Map<String, byte[]> entry = new HashMap<>(4);
        entry.put(Inbox.MESSAGE, MessageCodec.encode(sent));
        if (group.length > 0) {
            entry.put(Inbox.GROUP_NAME, group);
            entry.put(Inbox.FILTER, filter);
        }
        return store.async().xadd(inbox, bound, entry);
    }

    /** Another node is always ready: its inbox is bounded by length, not by pausing this node. */
    @Override
    public void whenWritable(Runnable callback) {
        callback.run();
    }

    @Override
    public String id() {
        return group.length == 0 ? "node:" + nodeId : "node:" + nodeId + ":$share/" + new String(group, StandardCharsets.UTF_8);
    }
}
