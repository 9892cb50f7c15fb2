package io.edgeauth.broker.mqtt.wire;

import io.netty.handler.codec.mqtt.MqttConnectReturnCode;

/**
 * The CONNACK codes for the CONNECTs the wire refuses by itself, chosen by the edge's one refusal mapping
 * (the wire names no refusal code of its own).
 */
public interface ConnectRefusals {
    /** A protocol name or level the codec does not know. */
    MqttConnectReturnCode unacceptableProtocolVersion();

    /** A client id the codec rejects, or an empty one with a session to resume. */
    MqttConnectReturnCode badClientId(int protocolVersion);

    /** An MQTT 5 CONNECT that is malformed or, {@code protocolError}, breaks a rule of the protocol. */
    MqttConnectReturnCode invalidConnect(boolean protocolError);
}
