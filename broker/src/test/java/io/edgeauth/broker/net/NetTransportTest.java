package io.edgeauth.broker.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.netty.channel.epoll.Epoll;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code network.nativeTransport}: on Linux the broker's MQTT and HTTP listeners run on epoll by default and on
 * Java NIO when it is off; {@code /health} says which, and both serve HTTP and MQTT (a CONNECT with a bad token is
 * answered with its reason code, so the MQTT edge's pipeline ran).
 */
class NetTransportTest {
    @TempDir
    Path dir;

    @Test
    void theListenersRunOnEpollByDefaultOnLinux() throws Exception {
        assumeThat(Epoll.isAvailable()).as("Netty's epoll transport loads here: %s", Epoll.unavailabilityCause())
                .isTrue();
        assertThat(NetTransport.choose(true)).isEqualTo(NetTransport.EPOLL);
        try (Broker broker = Broker.start(TestBrokers.config(dir.resolve("epoll"), Map.of("EDGEAUTH_COAP_PORT", "-1")))) {
            assertServes(broker, "epoll");
        }
    }

    @Test
    void nativeTransportOffMeansJavaNio() throws Exception {
        assertThat(NetTransport.choose(false)).isEqualTo(NetTransport.NIO);
        try (Broker broker = Broker.start(TestBrokers.config(dir.resolve("nio"), Map.of("EDGEAUTH_COAP_PORT", "-1",
                "EDGEAUTH_NETWORK_NATIVE_TRANSPORT", "false")))) {
            assertServes(broker, "nio");
        }
    }

    private static void assertServes(Broker broker, String transport) throws Exception {
        HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + broker.httpPort() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(health.body()).getString("transport")).isEqualTo(transport);

        Mqtt5BlockingClient mqtt = MqttClient.builder().useMqttVersion5().identifier("dev-t").serverHost("127.0.0.1")
                .serverPort(broker.mqttPort()).buildBlocking();
        try {
            mqtt.connectWith().simpleAuth().username("dev-t").password("not-a-token".getBytes()).applySimpleAuth().send();
            throw new AssertionError("a bad token was accepted");
        } catch (Mqtt5ConnAckException e) {
            assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
        }
    }
}
