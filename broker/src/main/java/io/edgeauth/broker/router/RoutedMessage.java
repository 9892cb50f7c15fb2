package io.edgeauth.broker.router;

import java.util.List;
import java.util.Objects;

/**
 * One application message inside a tenant. Immutable; the payload array is owned by the message and
 * must not be changed after construction (it is shared, not copied, between subscribers).
 *
 * @param tenant         the tenant scope; topics of different tenants never meet
 * @param topic          wildcard-free topic name, relative to the tenant
 * @param payload        the bytes
 * @param qos            0, 1 or 2 as published (deliveries are capped at 1, see {@link TopicRouter})
 * @param retain         the retain flag as published
 * @param userProperties MQTT 5 user properties (CoAP: none); order kept, names may repeat
 * @param origin         principal that published it (for logs; never a credential)
 * @param attributes     the MQTT 5 properties it carries to subscribers (expiry, response topic, ...); never null
 */
public record RoutedMessage(String tenant, String topic, byte[] payload, int qos, boolean retain,
                            List<UserProperty> userProperties, String origin, MessageAttributes attributes) {

    /** An MQTT 5 user property. */
    public record UserProperty(String name, String value) {
        public UserProperty {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }
    }

    public RoutedMessage {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(topic, "topic");
        payload = payload == null ? new byte[0] : payload;
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("qos must be 0, 1 or 2: " + qos);
        }
        userProperties = userProperties == null ? List.of() : List.copyOf(userProperties);
        attributes = attributes == null ? MessageAttributes.NONE : attributes;
    }

    /** A message without MQTT 5 attributes. */
    public RoutedMessage(String tenant, String topic, byte[] payload, int qos, boolean retain,
                         List<UserProperty> userProperties, String origin) {
        this(tenant, topic, payload, qos, retain, userProperties, origin, MessageAttributes.NONE);
    }

    /** Whether it has expired at {@code nowMillis} (its Message Expiry Interval passed). */
    public boolean expiredAt(long nowMillis) {
        return attributes.expiredAt(nowMillis);
    }

    /** The same message at another QoS, not retained (a copy owed to one subscriber at its granted QoS). */
    public RoutedMessage atQos(int grantedQos) {
        return new RoutedMessage(tenant, topic, payload, grantedQos, false, userProperties, origin, attributes);
    }

    /** The same message with another retain flag (retained copies and live forwards differ only there). */
    public RoutedMessage withRetain(boolean flag) {
        return flag == retain ? this : new RoutedMessage(tenant, topic, payload, qos, flag, userProperties, origin, attributes);
    }
}
