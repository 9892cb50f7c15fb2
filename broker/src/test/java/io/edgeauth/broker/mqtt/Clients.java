package io.edgeauth.broker.mqtt;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import java.nio.charset.StandardCharsets;

/** HiveMQ clients against the edge under test. */
final class Clients {
    private Clients() {
    }

    static Mqtt5ClientBuilder v5(String id, int port) {
        return MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1").serverPort(port);
    }

    static Mqtt5BlockingClient connectV5(String id, int port, String token) {
        Mqtt5BlockingClient c = v5(id, port).buildBlocking();
        c.connectWith().simpleAuth().username(id).password(bytes(token)).applySimpleAuth().send();
        return c;
    }

    static Mqtt3BlockingClient connectV3(String id, int port, String token) {
        Mqtt3BlockingClient c = MqttClient.builder().useMqttVersion3().identifier(id).serverHost("127.0.0.1")
                .serverPort(port).buildBlocking();
        c.connectWith().simpleAuth().username(id).password(bytes(token)).applySimpleAuth().send();
        return c;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
