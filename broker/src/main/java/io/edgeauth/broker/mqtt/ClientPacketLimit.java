package io.edgeauth.broker.mqtt;

import static io.edgeauth.broker.router.MessageSize.attributeBytes;
import static io.edgeauth.broker.router.MessageSize.utf8Length;

import io.edgeauth.broker.router.MessageAttributes;
import io.edgeauth.broker.router.RoutedMessage;
import io.netty.handler.codec.mqtt.MqttProperties;
import java.util.List;

/**
 * The MQTT 5 client's Maximum Packet Size (CONNECT property 0x27, §3.1.2.11.4): the server must not send it a
 * bigger packet. A PUBLISH over it is discarded (the caller behaves as if it had been sent, §4.13); a reason
 * string that would take a packet over it is left out. Sizes are counted from the fields the encoder writes,
 * so nothing is encoded to be measured. Stateless.
 */
final class ClientPacketLimit {
    /** No limit announced (MQTT 3.1.1 has none): the protocol's own maximum, 268,435,455 + 5 header bytes. */
    static final long NONE = Long.MAX_VALUE;

    private ClientPacketLimit() {
    }

    /** The limit a CONNECT announced, or {@link #NONE}; 0 (a protocol error, refused at CONNECT) counts as none. */
    static long of(MqttProperties connectProperties) {
        Integer value = MqttFields.intProperty(connectProperties, MqttProperties.MAXIMUM_PACKET_SIZE);
        return value == null || value == 0 ? NONE : Integer.toUnsignedLong(value);
    }

    /**
     * The size of the MQTT 5 PUBLISH {@code MqttDelivery} writes: topic, packet id, user properties and the message's
     * other properties, payload.
     */
    static long publishSize(String topic, int qos, List<RoutedMessage.UserProperty> userProperties,
                            MessageAttributes attributes, int payloadLength) {
        long properties = attributeBytes(attributes);
        for (RoutedMessage.UserProperty p : userProperties) {
            properties += 1 + 2 + utf8Length(p.name()) + 2 + utf8Length(p.value());
        }
        long remaining = 2 + utf8Length(topic) + (qos > 0 ? 2 : 0) + varIntSize(properties) + properties + payloadLength;
        return 1 + varIntSize(remaining) + remaining;
    }

    /**
     * Whether a packet with {@code fixedFields} bytes before its properties (DISCONNECT 1, CONNACK 2) and a reason
     * string as its only property stays within {@code limit}.
     */
    static boolean reasonStringFits(long limit, int fixedFields, String reason) {
        long properties = 1 + 2 + utf8Length(reason);
        long remaining = fixedFields + varIntSize(properties) + properties;
        return 1 + varIntSize(remaining) + remaining <= limit;
    }

    /** Bytes of an MQTT Variable Byte Integer (§1.5.5). */
    private static int varIntSize(long value) {
        return value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;
    }
}
