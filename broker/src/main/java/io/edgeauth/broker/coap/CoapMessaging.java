package io.edgeauth.broker.coap;

import java.util.concurrent.CompletableFuture;

/**
 * What the CoAP edge needs from the shared pub/sub router. Topics are relative to the tenant (the router
 * scopes them), so {@code d/42/up/temp} of tenant A never reaches a subscriber of tenant B. Implementations
 * must be thread-safe and must not block: {@link #publish} is called on CoAP protocol threads and
 * {@code onMessage} callbacks must return quickly (the edge only records the payload and schedules an
 * Observe notification).
 */
public interface CoapMessaging {
    /**
     * Publishes device telemetry; the future completes once the message is safe wherever it went (with
     * several nodes: in the inbox of every other node it goes to, as an MQTT PUBACK waits for), and fails when
     * it could not be handed over (the device should send it again).
     *
     * @param geo       the GeoHash the device reported ({@code ?geo=}), or null
     * @param signature the device's payload signature ({@code ?sig=}), checked already, or null; forwarded
     *                  to MQTT subscribers as the user property {@code edgeauth-sig}
     */
    java.util.concurrent.CompletableFuture<Void> publish(String tenant, String topic, byte[] payload, String geo,
                                                         String signature);

    /**
     * {@link #publish}, completing once the message is as safe as an acknowledged upload must be (docs/persistence.md):
     * written to the session journal of every persistent MQTT session it was queued for, and handed to every other
     * node it goes to. The edge answers 2.04 only then. By default nothing is persisted, so it completes with the
     * hand-over. Completes on any thread; fails as {@link #publish} does.
     */
    default CompletableFuture<Void> publishDurably(String tenant, String topic, byte[] payload, String geo,
                                                   String signature) {
        return publish(tenant, topic, payload, geo, signature);
    }

    /**
     * Subscribes to an exact topic or an MQTT-style filter within a tenant; {@code onMessage} gets each message's
     * topic, payload and expiry; closing the handle unsubscribes.
     */
    AutoCloseable subscribe(String tenant, String topic, Listener onMessage);

    /** Gets the messages of a subscription. */
    @FunctionalInterface
    interface Listener {
        /**
         * @param expiresAtMillis when the message expires (its MQTT 5 Message Expiry Interval; epoch milliseconds on
         *                        the broker's clock), 0: never
         */
        void onMessage(String topic, byte[] payload, long expiresAtMillis);
    }
}
