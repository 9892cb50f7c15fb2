package io.edgeauth.broker.mqtt;

import static io.edgeauth.broker.mqtt.MqttFields.userProperties;
import static io.edgeauth.broker.mqtt.MqttFields.userProperty;

import io.edgeauth.broker.policy.PublishGate;
import io.edgeauth.broker.policy.TopicFilters;
import io.edgeauth.broker.refusal.RefusalCategory;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.router.MessageAttributes;
import io.edgeauth.broker.router.PublishResult;
import io.edgeauth.broker.router.RoutedMessage;
import io.edgeauth.broker.router.SharedFilter;
import io.edgeauth.broker.router.Subscription;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.edgeauth.broker.mqtt.wire.Publish;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one {@link MqttConnection}'s client sends after CONNACK: PUBLISH (topic checks, {@link MqttPublishChecks}
 * and through it the shared {@link PublishGate}, routing, acknowledgements in journal order, rate-abuse disconnects), SUBSCRIBE and
 * UNSUBSCRIBE. Runs on the connection's event loop.
 */
final class MqttInbound {
    private static final Logger LOG = LoggerFactory.getLogger(MqttConnection.class);
    private static final Logger DROPS = LoggerFactory.getLogger("io.edgeauth.broker.mqtt.drops");

    private final MqttConnection c;
    /** The last topic name this connection published to that passed the syntax checks; or null. */
    private String lastValidTopic;
    /** Refused over-rate messages in the current abuse window, and when that window began (see MqttSettings.AbuseRule). */
    private int refusedInWindow;
    private long abuseWindowStart = System.nanoTime();

    MqttInbound(MqttConnection c) {
        this.c = c;
    }

    void onPublish(Publish m) {
        if (c.closing) {
            return;
        }
        c.edge.metrics.in();
        if (c.v5 && m.properties() != null && m.properties().getProperty(MqttProperties.TOPIC_ALIAS) != null) {
            // CONNACK announced a Topic Alias Maximum of 0: any alias is above it (MQTT 5 §3.3.2.3.4)
            c.disconnect(MqttReasonCodes.Disconnect.TOPIC_ALIAS_INVALID, "topic_alias_invalid");
            return;
        }
        boolean exactlyOnce = m.qosLevel() == MqttQoS.EXACTLY_ONCE;
        if (exactlyOnce && c.state.unreleased(m.messageId())) { // sent again before its PUBREL: routed once
            c.acks.sendInOrder(() -> acknowledge(m));
            return;
        }
        String topic = m.topicName();
        if (topic.isEmpty() && c.v5) { // no alias either (refused above): a protocol error, §3.3.2.1
            c.disconnect(MqttReasonCodes.Disconnect.PROTOCOL_ERROR, "empty_topic");
            return;
        }
        if (MqttEdge.RENEW_TOPIC.equals(topic)) {
            c.auth.renew(m.payload(), () -> c.acks.sendInOrder(() -> acknowledge(m)));
            return;
        }
        if (!topic.equals(lastValidTopic)) { // a device publishes to few topics: validate each new one once
            if (topicError(topic, false) != null) {
                // charged as any refused message (PublishGate), so an MQTT 5 client that repeats it is held to its
                // plan and counted towards the abuse disconnect; before 2026-12-08 it was neither (tour H, H7)
                PublishGate.Refusal charged = PublishGate.charge(c.limiter, m.payload().length);
                if (c.v5 && charged != null && charged.reason() == RejectionReason.RATE_LIMITED) {
                    refused(m, charged);
                    return;
                }
                refusePublish(m, MqttReasonCodes.PubAck.TOPIC_NAME_INVALID, "topic_invalid");
                if (!c.v5) {
                    c.endpoint.close(); // MQTT 3.1.1 has no negative PUBACK: a malformed topic ends the connection
                }
                return;
            }
            lastValidTopic = topic;
        }
        MessageAttributes attributes = c.v5 ? MqttFields.attributes(m.properties(), c.edge.clock)
                : MessageAttributes.NONE;
        if (attributes.responseTopic() != null && topicError(attributes.responseTopic(), false) != null) {
            c.disconnect(MqttReasonCodes.Disconnect.PROTOCOL_ERROR, "response_topic_invalid"); // §3.3.2.3.5
            return;
        }
        List<RoutedMessage.UserProperty> properties = userProperties(m.properties());
        byte[] payload = m.payload();
        PublishGate.Refusal refusal = MqttPublishChecks.check(c, topic, payload, properties, attributes);
        if (refusal != null) {
            refused(m, refusal);
            return;
        }
        // subscribers see where the device said it is, whether it said so at CONNECT or per message
        properties = MqttPublishChecks.withLocation(properties, c.reportedGeo);
        RoutedMessage message = new RoutedMessage(c.session.tenant(), topic, payload,
                m.qosLevel().value(), m.isRetain(), properties, c.session.principal(), attributes);
        if (exactlyOnce && !c.state.holdUnreleased(m.messageId(), c.limits.receiveMaximum())) {
            c.disconnect(MqttReasonCodes.Disconnect.RECEIVE_MAXIMUM_EXCEEDED, "receive_maximum_exceeded"); // §3.3.4
            return;
        }
        long journalMark = c.acks.mark();
        PublishResult result = c.edge.router.publish(message, c.state.queue); // its No Local subscriptions skip it
        if (result.retainRefused()) { // no room to retain it: neither kept nor delivered, so not a success
            refusePublish(m, MqttReasons.puback(RefusalCategory.QUOTA_EXCEEDED), "retained_limit");
            return;
        }
        c.acks.send(journalMark, result.handoff(), () -> acknowledge(m), () -> handoffFailed(m));
        if (result.congestedAny()) {
            c.delivery.backpressure(result.congested());
        }
    }

    /** Answers a {@link PublishGate} refusal (codes from {@link MqttReasons}), and disconnects sustained rate abuse. */
    private void refused(Publish m, PublishGate.Refusal refusal) {
        if (refusal.reason() == RejectionReason.RATE_LIMITED) {
            if (abusive()) {
                c.edge.metrics.drop("rate_limited");
                c.edge.audit.record("mqtt.session.closed", "rate_abuse", c.auditFields(c.clientId, c.session));
                c.disconnect(MqttReasons.rateAbuse(), "rate_abuse");
                return;
            }
            refusePublish(m, MqttReasons.puback(refusal.reason().category()), "rate_limited");
            return;
        }
        // ACL misses too, as CoAP does (outcome forbidden, the topic): which device probes others' topics, and from where
        Map<String, Object> fields = c.auditFields(c.clientId, c.session);
        if (refusal.reason() == RejectionReason.FORBIDDEN) {
            fields.put("detail", "may not publish to " + m.topicName());
        }
        c.edge.audit.record("mqtt.publish.refused", refusal.reason().code(), fields);
        refusePublish(m, MqttReasons.puback(refusal.reason().category()),
                refusal.reason() == RejectionReason.FORBIDDEN ? "not_authorized" : refusal.reason().code());
    }

    /** Counts one over-rate refusal; true once the window holds {@code abuseRule().maxRefused()} of them. */
    private boolean abusive() {
        MqttSettings.AbuseRule rule = c.edge.settings.abuseRule();
        long now = System.nanoTime();
        if (now - abuseWindowStart >= rule.window().toNanos()) {
            abuseWindowStart = now;
            refusedInWindow = 0;
        }
        return ++refusedInWindow >= rule.maxRefused(); // accepted messages in between (refills) do not reset it
    }

    private void acknowledge(Publish m) {
        if (c.closed) {
            return; // an acknowledgement that waited for the journal outlived its connection
        }
        switch (m.qosLevel()) {
            case AT_LEAST_ONCE -> c.endpoint.publishAcknowledge(m.messageId(), (byte) 0, MqttProperties.NO_PROPERTIES);
            case EXACTLY_ONCE -> c.endpoint.publishReceived(m.messageId(), (byte) 0, MqttProperties.NO_PROPERTIES); // PUBCOMP on PUBREL; routed once, at-least-once
            default -> { }
        }
    }

    /**
     * Another node's inbox could not take the message (Redis out): MQTT 5 answers the server-error PUBACK,
     * MQTT 3.1.1 has no negative PUBACK, so the connection ends unacknowledged and the client sends it again.
     */
    private void handoffFailed(Publish m) {
        c.edge.metrics.drop("cross_node_handoff");
        c.state.release(m.messageId()); // not delivered: a QoS 2 re-send must be routed
        if (c.v5) {
            sendRefusal(m, MqttReasons.puback(RefusalCategory.SERVER_ERROR));
        } else if (!c.closed) {
            c.endpoint.close();
        }
    }

    private void refusePublish(Publish m, MqttReasonCodes.PubAck code, String reason) {
        c.edge.metrics.drop(reason);
        DROPS.debug("publish from {} to {} refused: {}", c.clientId, m.topicName(), reason);
        if (c.acks != null) { // in the order of the PUBLISH packets, behind acknowledgements that wait for the journal
            c.acks.sendInOrder(() -> sendRefusal(m, code));
        } else {
            sendRefusal(m, code);
        }
    }

    private void sendRefusal(Publish m, MqttReasonCodes.PubAck code) {
        if (c.closed) {
            return;
        }
        byte reason = c.v5 ? code.byteValue() : 0; // MQTT 3.1.1 has no negative PUBACK or PUBREC
        if (m.qosLevel() == MqttQoS.AT_LEAST_ONCE) {
            c.endpoint.publishAcknowledge(m.messageId(), reason, MqttProperties.NO_PROPERTIES);
        } else if (m.qosLevel() == MqttQoS.EXACTLY_ONCE) {
            if (c.v5) {
                c.state.release(m.messageId()); // a PUBREC of 0x80 or above ends the exchange (§4.3.3)
            }
            c.endpoint.publishReceived(m.messageId(), reason, MqttProperties.NO_PROPERTIES);
        }
    }

    /** PUBREL: releases the QoS 2 packet id; the PUBCOMP's reason, 0x92 Packet Identifier not found for an unknown one. */
    byte onPubrel(int messageId) {
        boolean held = c.state != null && c.state.release(messageId);
        return held || !c.v5 ? 0 : MqttReasonCodes.PubComp.PACKET_IDENTIFIER_NOT_FOUND.byteValue();
    }

    void onSubscribe(int messageId, MqttProperties properties, List<MqttTopicSubscription> subscriptions) {
        if (c.closing) {
            return;
        }
        if (properties.getProperties(MqttProperties.SUBSCRIPTION_IDENTIFIER).size() > 0) {
            // CONNACK announced Subscription Identifiers Available 0 (MQTT 5 §3.2.2.3.12)
            c.disconnect(MqttReasons.subscriptionIdentifiersUnsupported(), "subscription_identifiers_not_supported");
            return;
        }
        List<MqttReasonCodes.SubAck> codes = new ArrayList<>();
        List<MqttQoS> v3codes = new ArrayList<>();
        int added = 0;
        for (MqttTopicSubscription ts : subscriptions) {
            MqttReasonCodes.SubAck code = subscribe(ts.topicName(), ts.qualityOfService().value(), added);
            if ((code == MqttReasonCodes.SubAck.GRANTED_QOS_0 || code == MqttReasonCodes.SubAck.GRANTED_QOS_1)
                    && !c.state.subscriptions.containsKey(ts.topicName())) {
                added++;
            }
            codes.add(code);
            v3codes.add(switch (code) {
                case GRANTED_QOS_0 -> MqttQoS.AT_MOST_ONCE;
                case GRANTED_QOS_1 -> MqttQoS.AT_LEAST_ONCE;
                default -> MqttQoS.FAILURE;
            });
        }
        int[] answer = new int[codes.size()];
        for (int i = 0; i < answer.length; i++) {
            answer[i] = c.v5 ? codes.get(i).byteValue() & 0xFF : v3codes.get(i).value();
        }
        c.endpoint.subscribeAcknowledge(messageId, answer, MqttProperties.NO_PROPERTIES);
        for (int i = 0; i < codes.size(); i++) { // retained messages only after the SUBACK
            MqttReasonCodes.SubAck code = codes.get(i);
            if (code == MqttReasonCodes.SubAck.GRANTED_QOS_0 || code == MqttReasonCodes.SubAck.GRANTED_QOS_1) {
                String filter = subscriptions.get(i).topicName();
                MqttSubscriptionOption option = subscriptions.get(i).option();
                int flags = (option.isNoLocal() ? Subscription.NO_LOCAL : 0)
                        | (option.isRetainAsPublished() ? Subscription.RETAIN_AS_PUBLISHED : 0);
                Subscription sub = c.edge.router.subscribe(c.session.tenant(), filter, code.byteValue(), flags,
                        c.state.queue, sendsRetained(option.retainHandling(), c.state.subscriptions.containsKey(filter)));
                Subscription previous = c.state.subscriptions.put(filter, sub);
                if (previous != null && previous.qos() != sub.qos()) {
                    LOG.debug("{} re-subscribed {} at QoS {}", c.clientId, filter, sub.qos());
                }
            }
        }
        c.edge.persistence.subscriptionsChanged(c.state);
    }

    /** MQTT 5 §3.8.3.1 Retain Handling (MQTT 3.1.1 decodes as 0: always). */
    private static boolean sendsRetained(MqttSubscriptionOption.RetainedHandlingPolicy policy, boolean exists) {
        return switch (policy) {
            case SEND_AT_SUBSCRIBE -> true;
            case SEND_AT_SUBSCRIBE_IF_NOT_YET_EXISTS -> !exists;
            case DONT_SEND_AT_SUBSCRIBE -> false;
        };
    }

    private MqttReasonCodes.SubAck subscribe(String filter, int qos, int addedInThisPacket) {
        String error = SharedFilter.error(filter);
        SharedFilter shared = SharedFilter.parse(filter);
        if (error == null) {
            error = topicError(shared.filter(), true);
        }
        if (error != null) {
            c.edge.metrics.drop("filter_invalid");
            return MqttReasonCodes.SubAck.TOPIC_FILTER_INVALID;
        }
        if (!c.acl.maySubscribe(shared.filter())) {
            c.edge.metrics.drop("subscribe_not_authorized");
            Map<String, Object> fields = c.auditFields(c.clientId, c.session);
            fields.put("detail", "may not subscribe to " + filter);
            c.edge.audit.record("mqtt.subscribe.refused", RejectionReason.FORBIDDEN.code(), fields);
            return MqttReasons.suback(RefusalCategory.NOT_AUTHORIZED);
        }
        if (!c.state.subscriptions.containsKey(filter)
                && c.state.subscriptions.size() + addedInThisPacket >= c.limits.maxSubscriptionsPerSession()) {
            c.edge.metrics.drop("subscription_quota");
            return MqttReasons.suback(RefusalCategory.QUOTA_EXCEEDED);
        }
        return Math.min(qos, 1) == 0 ? MqttReasonCodes.SubAck.GRANTED_QOS_0 : MqttReasonCodes.SubAck.GRANTED_QOS_1;
    }

    void onUnsubscribe(int messageId, List<String> topics) {
        if (c.closing) {
            return;
        }
        boolean[] existed = new boolean[topics.size()];
        for (int i = 0; i < existed.length; i++) {
            Subscription sub = c.state.subscriptions.remove(topics.get(i));
            if (sub != null) {
                c.edge.router.unsubscribe(sub);
                existed[i] = true;
            }
        }
        c.edge.persistence.subscriptionsChanged(c.state);
        c.endpoint.unsubscribeAcknowledge(messageId, existed);
    }

    String topicError(String topic, boolean filter) {
        if (topic == null || topic.isEmpty()) {
            return "empty topic";
        }
        if (topic.length() > c.limits.maxTopicLength()) {
            return "topic too long";
        }
        int depth = 1;
        for (int i = 0; i < topic.length(); i++) {
            if (topic.charAt(i) == '/') {
                depth++;
            }
        }
        if (depth > c.limits.maxTopicDepth()) {
            return "topic too deep";
        }
        return filter ? TopicFilters.filterError(topic) : TopicFilters.topicError(topic);
    }
}
