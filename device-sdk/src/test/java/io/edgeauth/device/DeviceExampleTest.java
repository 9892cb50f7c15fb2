package io.edgeauth.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.edgeauth.device.examples.DeviceExample;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the README example end to end: stub token endpoint, real mosquitto. */
class DeviceExampleTest {
    @TempDir
    Path dir;

    @Test
    void readmeExampleRuns() throws Exception {
        String token = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJwdW1wLTEifQ.example-signature";
        try (StubTokenEndpoint http = new StubTokenEndpoint();
                Mosquitto mqtt = Mosquitto.start(dir, Map.of("pump-1", token, "backend", "b"))) {
            http.reply = StubTokenEndpoint.json(200, "{\"access_token\":\"" + token + "\",\"token_type\":\"Bearer\",\"expires_in\":600}");
            Mqtt5BlockingClient backend = Mqtt5Client.builder().identifier("backend").serverHost("127.0.0.1").serverPort(mqtt.port).buildBlocking();
            backend.connectWith().simpleAuth().username("backend").password("b".getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send();
            List<Mqtt5Publish> got = new CopyOnWriteArrayList<>();
            backend.toAsync().subscribeWith().topicFilter("d/pump-1/up/#").qos(MqttQos.AT_LEAST_ONCE).callback(got::add).send().get(5, TimeUnit.SECONDS);

            Path keyFile = dir.resolve("pump-1.jwk");
            DeviceExample.run(http.base(), "127.0.0.1", mqtt.port, keyFile);

            await().atMost(Duration.ofSeconds(5)).until(() -> got.size() == 1);
            assertThat(got.get(0).getTopic().toString()).isEqualTo("d/pump-1/up/temperature");
            assertThat(DeviceIdentity.load(keyFile).deviceId()).isEqualTo("pump-1");
            assertThat(http.forms.poll()).containsEntry("grant_type", "client_credentials");
            backend.disconnect();
        }
    }
}
