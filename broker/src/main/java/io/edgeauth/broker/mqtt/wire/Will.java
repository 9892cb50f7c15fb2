package io.edgeauth.broker.mqtt.wire;

import io.netty.handler.codec.mqtt.MqttProperties;

/** The will a CONNECT carried (only present when its Will Flag was set). */
public record Will(String topic, byte[] message, int qos, boolean retain, MqttProperties properties) {
}
