package io.edgeauth.broker.mqtt.wire;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;

/** A PUBLISH from the client, its payload copied out of the network buffer (which is released at once). */
public record Publish(int messageId, MqttQoS qosLevel, boolean isDup, boolean isRetain, String topicName,
                      byte[] payload, MqttProperties properties) {
}
