package io.edgeauth.simulator.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.AttributeKey;
import org.junit.jupiter.api.Test;

/** The size a PUBLISH is checked with against the broker's Maximum Packet Size is the size Netty's encoder writes. */
class PublishSizeTest {
    @Test
    void theComputedSizeIsTheEncodedSize() {
        for (MqttVersion version : new MqttVersion[] {MqttVersion.MQTT_3_1_1, MqttVersion.MQTT_5}) {
            for (int payload : new int[] {0, 20, 100, 16_300, 70_000, 262_144}) {
                for (MqttQoS qos : new MqttQoS[] {MqttQoS.AT_MOST_ONCE, MqttQoS.AT_LEAST_ONCE}) {
                    String topic = "d/sim-12/up/sim/0";
                    EmbeddedChannel ch = new EmbeddedChannel(MqttEncoder.INSTANCE);
                    // the attribute the encoder reads the protocol version from (set by an encoded CONNECT)
                    ch.attr(AttributeKey.<MqttVersion>valueOf("NETTY_CODEC_MQTT_VERSION")).set(version);
                    ch.writeOutbound(MqttMessageBuilders.publish().topicName(topic).qos(qos).messageId(qos == MqttQoS.AT_MOST_ONCE ? 0 : 7)
                            .payload(Unpooled.wrappedBuffer(new byte[payload])).build());
                    ByteBuf encoded = ch.readOutbound();
                    assertThat(MqttSession.publishSize(version == MqttVersion.MQTT_5, topic, payload, qos))
                            .as(version + " " + qos + " " + payload).isEqualTo(encoded.readableBytes());
                    encoded.release();
                    ch.finishAndReleaseAll();
                }
            }
        }
    }
}
