package io.edgeauth.broker.mqtt.wire;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import java.util.List;

/** What the edge does with the packets of an accepted {@link MqttChannel}; every call on the channel's event loop. */
public interface PacketHandler {
    void onPublish(Publish m);

    /** SUBSCRIBE with its MQTT 5 properties (empty for MQTT 3.1.1). */
    void onSubscribe(int messageId, MqttProperties properties, List<MqttTopicSubscription> subscriptions);

    void onUnsubscribe(int messageId, List<String> topics);

    void onPuback(int messageId);

    /** PUBREL of a QoS 2 PUBLISH from the client; the PUBCOMP's reason code (MQTT 5; 0 for 3.1.1). */
    byte onPubrel(int messageId);

    /** MQTT 5 AUTH with its reason code as sent (unchecked) and properties. */
    void onAuth(byte reasonCode, MqttProperties properties);

    /**
     * DISCONNECT from the client (reason 0 and no properties for MQTT 3.1.1); the connection closes right after.
     *
     * @return false for a protocol error (MQTT 5 §3.14.2.2.2): the channel answers DISCONNECT 0x82 before it closes
     */
    boolean onDisconnect(byte reasonCode, MqttProperties properties);

    /** The channel is writable again (its outbound buffer fell under the low-water mark). */
    void onWritable();

    void onClose();

    /** Once a second while the connection is open ({@link LoopSweep}): time to check the edge's deadlines. */
    void onTick();
}
