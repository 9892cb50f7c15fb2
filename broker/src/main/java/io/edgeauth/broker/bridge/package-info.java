/**
 * Optional forwarding of a tenant's authorized traffic to an upstream MQTT broker and of commands back:
 * {@link io.edgeauth.broker.bridge.MqttBridge} with {@link io.edgeauth.broker.bridge.BridgeSettings}. QoS 0
 * device traffic is forwarded only while upstream is connected; QoS 1 is buffered (bounded) while it is not.
 */
package io.edgeauth.broker.bridge;
