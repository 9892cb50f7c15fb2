package io.edgeauth.broker.mqtt.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnAckVariableHeader;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import io.netty.handler.codec.mqtt.MqttUnsubAckPayload;

/** The server-to-client packets as Netty's MQTT messages (the encoder writes each for the connection's version). */
final class Packets {
    private static final short NO_SUBSCRIPTION_EXISTED = 0x11;

    private Packets() {
    }

    static MqttConnAckMessage connack(MqttConnectReturnCode code, boolean sessionPresent, MqttProperties properties) {
        return new MqttConnAckMessage(fixed(MqttMessageType.CONNACK, MqttQoS.AT_MOST_ONCE),
                new MqttConnAckVariableHeader(code, sessionPresent, properties));
    }

    /**
     * An MQTT 5 CONNACK refusing a CONNECT that {@link PacketFrames} stopped before Netty's decoder read it, as bytes:
     * the encoder writes a CONNACK for the protocol version the decoder recorded from the CONNECT, so it would
     * write this one as MQTT 3.1.1 (no property length). A ByteBuf passes the encoder unchanged.
     */
    static ByteBuf refusingConnack5(MqttConnectReturnCode code) {
        return Unpooled.wrappedBuffer(new byte[] {0x20, 3, 0, code.byteValue(), 0}); // no session, no properties
    }

    /** PUBACK, PUBREC, PUBREL or PUBCOMP; the reason code and properties are written for MQTT 5 only. */
    static MqttMessage pubReply(MqttMessageType type, int messageId, byte reasonCode, MqttProperties properties) {
        MqttQoS qos = type == MqttMessageType.PUBREL ? MqttQoS.AT_LEAST_ONCE : MqttQoS.AT_MOST_ONCE; // §3.6.1 flags
        return new MqttMessage(fixed(type, qos), new MqttPubReplyMessageVariableHeader(messageId, reasonCode, properties));
    }

    static MqttSubAckMessage suback(int messageId, int[] codes, MqttProperties properties) {
        return new MqttSubAckMessage(fixed(MqttMessageType.SUBACK, MqttQoS.AT_MOST_ONCE),
                new MqttMessageIdAndPropertiesVariableHeader(messageId, properties), new MqttSubAckPayload(codes));
    }

    /** UNSUBACK; MQTT 5 with one reason code per filter (0 success, 0x11 no subscription existed). */
    static MqttUnsubAckMessage unsuback(int messageId, boolean[] existed, boolean v5) {
        MqttUnsubAckPayload payload = null;
        if (v5) {
            short[] codes = new short[existed.length];
            for (int i = 0; i < codes.length; i++) {
                codes[i] = existed[i] ? 0 : NO_SUBSCRIPTION_EXISTED;
            }
            payload = new MqttUnsubAckPayload(codes);
        }
        return new MqttUnsubAckMessage(fixed(MqttMessageType.UNSUBACK, MqttQoS.AT_MOST_ONCE),
                new MqttMessageIdAndPropertiesVariableHeader(messageId, MqttProperties.NO_PROPERTIES), payload);
    }

    private static MqttFixedHeader fixed(MqttMessageType type, MqttQoS qos) {
        return new MqttFixedHeader(type, false, qos, false, 0);
    }
}
