package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.config.BrokerConfig;
import io.edgeauth.broker.testsupport.FreePorts;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.RedisServer;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.device.DeviceIdentity;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retained messages go to a subscription when it is made (a SUBSCRIBE), not when a persistent session is restored or
 * taken over (MQTT 5 §3.3.1.3). Before, a session restored after a restart (or moved to another node) was offered every
 * matching retained message again behind the messages it was owed, and a bounded offline queue then dropped the
 * oldest entries: the owed messages, acknowledged to their publisher.
 */
class RetainedOnResumeTest {
    @TempDir
    Path dir;

    @Test
    void aSessionRestoredAfterARestartGetsWhatItIsOwedAndNoRetainedCopies() throws Exception {
        try (RedisServer redis = RedisServer.start(Files.createDirectories(dir.resolve("redis")))) {
            BrokerConfig config = config(redis, "a");
            Broker broker = Broker.start(config);
            String token;
            try {
                token = leaveOwedMessages(broker);
            } finally {
                broker.close();
            }
            broker = Broker.start(config);
            try {
                assertThat(resume(broker, token)).as("the five owed messages, and no retained copy")
                        .containsExactly("live0", "live1", "live2", "live3", "live4");
            } finally {
                broker.close();
            }
        }
    }

    @Test
    void aSessionTakenOverByAnotherNodeGetsWhatItIsOwedAndNoRetainedCopies() throws Exception {
        try (RedisServer redis = RedisServer.start(Files.createDirectories(dir.resolve("redis")))) {
            Broker a = Broker.start(config(redis, "a"));
            Broker b = Broker.start(config(redis, "b"));
            try {
                String token = leaveOwedMessages(a);
                assertThat(resume(b, token)).as("the five owed messages, and no retained copy")
                        .containsExactly("live0", "live1", "live2", "live3", "live4");
            } finally {
                b.close();
                a.close();
            }
        }
    }

    private BrokerConfig config(RedisServer redis, String node) throws Exception {
        Map<String, String> env = new HashMap<>(redis.brokerEnv(redis.uri()));
        env.put("EDGEAUTH_COAP_PORT", "-1");
        env.put("EDGEAUTH_MQTT_OFFLINE_QUEUE_LENGTH", "20");
        env.put("EDGEAUTH_HTTP_PORT", Integer.toString(FreePorts.tcp())); // the same issuer after a restart
        return TestBrokers.config(dir.resolve(node), env);
    }

    /**
     * Registers the device, retains 26 commands for it, lets it subscribe (it gets them once) and leave, then
     * publishes five more while it is away; returns its token.
     */
    private static String leaveOwedMessages(Broker broker) throws Exception {
        Http admin = new Http("http://localhost:" + broker.httpPort(), broker.newAdminCredential().orElseThrow());
        DeviceIdentity device = TestDevices.register(admin, "rr-valve");
        String token = TestDevices.token(admin, "http://localhost:" + broker.httpPort(), device);
        String tenant = broker.registry().find("rr-valve").orElseThrow().tenant();
        for (int i = 0; i < 26; i++) {
            broker.router().publish(tenant, "d/rr-valve/down/setting" + i, bytes("r" + i), 1, true, null, "test");
        }
        Mqtt5BlockingClient first = client(broker.mqttPort());
        try (Mqtt5BlockingClient.Mqtt5Publishes seen = first.publishes(MqttGlobalPublishFilter.ALL)) {
            connect(first, token);
            first.subscribeWith().topicFilter("d/rr-valve/down/#").qos(MqttQos.AT_LEAST_ONCE).send();
            assertThat(drain(seen)).as("the retained messages, once, on the SUBSCRIBE").hasSize(26);
        }
        first.disconnect();
        for (int i = 0; i < 5; i++) {
            broker.router().publish(tenant, "d/rr-valve/down/live", bytes("live" + i), 1, false, null, "test");
        }
        return token;
    }

    /** Resumes the session (no SUBSCRIBE) and returns the payloads it is sent. */
    private static List<String> resume(Broker broker, String token) throws Exception {
        Mqtt5BlockingClient back = client(broker.mqttPort());
        try (Mqtt5BlockingClient.Mqtt5Publishes seen = back.publishes(MqttGlobalPublishFilter.ALL)) {
            connect(back, token);
            return drain(seen);
        } finally {
            back.disconnect();
        }
    }

    private static Mqtt5BlockingClient client(int port) {
        return Mqtt5Client.builder().identifier("rr-valve").serverHost("127.0.0.1").serverPort(port).buildBlocking();
    }

    private static void connect(Mqtt5BlockingClient client, String token) {
        client.connectWith().cleanStart(false).sessionExpiryInterval(300).simpleAuth().username("rr-valve")
                .password(token.getBytes(StandardCharsets.US_ASCII)).applySimpleAuth().send();
    }

    private static List<String> drain(Mqtt5BlockingClient.Mqtt5Publishes seen) throws InterruptedException {
        List<String> got = new ArrayList<>();
        for (Optional<Mqtt5Publish> p; (p = seen.receive(2, TimeUnit.SECONDS)).isPresent(); ) {
            got.add(new String(p.get().getPayloadAsBytes(), StandardCharsets.UTF_8));
        }
        return got;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
