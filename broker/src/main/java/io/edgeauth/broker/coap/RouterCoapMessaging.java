package io.edgeauth.broker.coap;

import io.edgeauth.broker.mqtt.persist.SessionJournal;
import io.edgeauth.broker.telemetry.PayloadSignatures;
import io.edgeauth.broker.router.MessageSize;
import io.edgeauth.broker.router.RoutedMessage;
import io.edgeauth.broker.router.Subscriber;
import io.edgeauth.broker.router.Subscription;
import io.edgeauth.broker.router.TopicRouter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@link CoapMessaging} on the broker's shared {@link TopicRouter}, so CoAP telemetry reaches MQTT
 * subscribers and MQTT commands reach CoAP observers. Telemetry is routed at QoS 1 (a CoAP 2.04 means
 * accepted, and with several nodes, in the inbox of every other node it goes to); a reported location travels as the user property {@code geo}. A command for a
 * CoAP observer waits in its relation's bounded queue ({@link ObservedCommands}), so a slow device never congests
 * the publisher. A payload
 * signature travels as the user property {@code edgeauth-sig}, as from MQTT devices. With the MQTT session
 * journal, {@link #publishDurably} completes once what the message wrote to it (queued for persistent sessions)
 * is committed, as a PUBACK waits for it.
 */
public final class RouterCoapMessaging implements CoapMessaging {
    /** The user property a reported location travels as. */
    static final String LOCATION = "geo";

    private final TopicRouter router;
    private final SessionJournal journal;

    public RouterCoapMessaging(TopicRouter router) {
        this(router, null);
    }

    /** @param journal the MQTT session journal, or null when sessions are not persisted */
    public RouterCoapMessaging(TopicRouter router, SessionJournal journal) {
        this.router = router;
        this.journal = journal;
    }

    /**
     * The bytes a telemetry message costs its subscribers as {@link #publish} routes it ({@link MessageSize}): the
     * byte budget charges this, as for a message that came by MQTT.
     */
    static int forwardedSize(String topic, byte[] payload, String geo, String signature) {
        return MessageSize.forwarded(topic, payload, LOCATION, geo, PayloadSignatures.USER_PROPERTY, signature);
    }

    @Override
    public CompletableFuture<Void> publishDurably(String tenant, String topic, byte[] payload, String geo,
                                                  String signature) {
        long before = journal == null ? 0 : journal.lastSequence();
        CompletableFuture<Void> handedOver = publish(tenant, topic, payload, geo, signature);
        long after = journal == null ? 0 : journal.lastSequence();
        if (after == before || journal.isDurable(after)) { // wrote nothing (no persistent session took it), or done
            return handedOver;
        }
        CompletableFuture<Void> stored = new CompletableFuture<>();
        journal.whenDurable(after, () -> stored.complete(null));
        return handedOver.thenCombine(stored, (a, b) -> null); // journaled here and handed to the other nodes
    }

    @Override
    public CompletableFuture<Void> publish(String tenant, String topic, byte[] payload, String geo, String signature) {
        List<RoutedMessage.UserProperty> properties = new ArrayList<>(2);
        if (geo != null) {
            properties.add(new RoutedMessage.UserProperty(LOCATION, geo));
        }
        if (signature != null) {
            properties.add(new RoutedMessage.UserProperty(PayloadSignatures.USER_PROPERTY, signature));
        }
        CompletableFuture<Void> handoff = router.publish(tenant, topic, payload, 1, false, properties, "coap").handoff();
        return handoff == null ? CompletableFuture.completedFuture(null) : handoff;
    }

    @Override
    public AutoCloseable subscribe(String tenant, String topic, Listener onMessage) {
        Subscription subscription = router.subscribe(tenant, topic, 1, new Subscriber() {
            @Override
            public Offer offer(RoutedMessage message, int qos) {
                onMessage.onMessage(message.topic(), message.payload(), message.attributes().expiresAtMillis());
                return Offer.ACCEPTED;
            }

            @Override
            public void whenWritable(Runnable callback) {
                callback.run();
            }

            @Override
            public String id() {
                return "coap:" + tenant + ":" + topic;
            }
        });
        return () -> router.unsubscribe(subscription);
    }
}
