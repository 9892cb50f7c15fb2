package io.edgeauth.broker.testsupport;

import io.edgeauth.broker.router.RoutedMessage;
import io.edgeauth.broker.router.Subscriber;
import io.edgeauth.broker.router.Subscription;
import io.edgeauth.broker.router.TopicRouter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A router subscriber that accepts and keeps every message: a probe for what a subscription receives. */
public final class CollectingSubscriber implements Subscriber {
    private final List<RoutedMessage> messages = new CopyOnWriteArrayList<>();

    /** The topics of the retained messages a new subscription to {@code filter} gets now. */
    public static List<String> retainedTopics(TopicRouter router, String tenant, String filter) {
        CollectingSubscriber probe = new CollectingSubscriber();
        Subscription s = router.subscribe(tenant, filter, 1, probe);
        router.unsubscribe(s);
        return probe.messages().stream().map(RoutedMessage::topic).toList();
    }

    @Override
    public Offer offer(RoutedMessage message, int qos) {
        messages.add(message);
        return Offer.ACCEPTED;
    }

    @Override
    public void whenWritable(Runnable callback) {
        callback.run();
    }

    @Override
    public String id() {
        return "probe";
    }

    /** The messages offered so far, in order. */
    public List<RoutedMessage> messages() {
        return messages;
    }
}
