/**
 * Tenant-scoped publish/subscribe shared by the MQTT and CoAP edges (and other nodes, see
 * {@link io.edgeauth.broker.router.RemoteSubscriber} and {@link io.edgeauth.broker.router.ClusterLink}):
 * {@link io.edgeauth.broker.router.TopicRouter} (topic trie per tenant, retained messages, shared
 * subscriptions), {@link io.edgeauth.broker.router.SubscriberQueue} (the bounded subscriber with an
 * inflight window, congestion signal for backpressure and a documented overflow policy), and
 * {@link io.edgeauth.broker.router.SharedRedelivery} (what a share-group member owed when its session ended goes to
 * another member, MQTT 5 §4.8.2). A CoAP observer
 * is a {@code SubscriberQueue} whose sink sends notifications; CoAP uploads call
 * {@code TopicRouter.publish(tenant, topic, payload, qos, retain, properties, origin)} after the ACL check.
 */
package io.edgeauth.broker.router;
