/**
 * The MQTT wire: Netty's MQTT codec ({@code netty-codec-mqtt}) on the edge's own Netty event loops, TCP, TLS
 * (BoringSSL through netty-tcnative, else the JDK) and WebSocket listeners, and one lean {@link
 * io.edgeauth.broker.mqtt.wire.MqttChannel} per connection offering exactly the packets the edge sends and
 * dispatching the decoded ones it receives. Session logic lives in {@code io.edgeauth.broker.mqtt}; nothing here
 * knows about tokens, sessions or topics.
 */
package io.edgeauth.broker.mqtt.wire;
