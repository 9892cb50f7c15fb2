package io.edgeauth.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Connect, publish and subscribe through a real broker (mosquitto) with the token as a plain password. */
class DeviceMqttClientMosquittoTest {
    private static final String DEVICE = "pump-1";
    // any printable token works as a mosquitto password; a real one is a JWT of a few hundred bytes
    private static final AccessToken TOKEN = new AccessToken("eyJhbGciOiJFUzI1NiJ9." + "x".repeat(400) + ".sig",
            TokenFormat.JWT, "Bearer", null, Instant.now(), Instant.now().plusSeconds(600));

    @TempDir
    Path dir;
    private Mosquitto broker;
    private Mqtt5BlockingClient backend;
    private final List<Mqtt5Publish> upstream = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        broker = Mosquitto.start(dir, Map.of(DEVICE, TOKEN.value(), "backend", "backend-secret"));
        backend = Mqtt5Client.builder().identifier("backend").serverHost("127.0.0.1").serverPort(broker.port).buildBlocking();
        backend.connectWith().simpleAuth().username("backend").password("backend-secret".getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send();
        backend.toAsync().subscribeWith().topicFilter("d/+/up/#").qos(MqttQos.AT_LEAST_ONCE).callback(upstream::add).send().get(5, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        if (backend != null && backend.getState().isConnected()) {
            backend.disconnect();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private DeviceMqttClient.Builder device(DeviceMqttClient.MqttVersion version) {
        return DeviceMqttClient.builder().deviceId(DEVICE).serverHost("127.0.0.1").serverPort(broker.port)
                .mqttVersion(version).token(TOKEN).enhancedAuth(false).blockingTimeout(Duration.ofSeconds(10));
    }

    @Test
    void mqtt5ConnectPublishAndReceiveCommands() {
        DeviceMqttClient.Blocking mqtt = device(DeviceMqttClient.MqttVersion.MQTT_5).build().toBlocking();
        List<Command> commands = new CopyOnWriteArrayList<>();
        mqtt.connect();
        mqtt.onCommand(commands::add);
        assertThat(mqtt.isConnected()).isTrue();

        mqtt.publishTelemetry("temp/boiler", "21.5".getBytes(StandardCharsets.UTF_8), 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> upstream.size() == 1);
        assertThat(upstream.get(0).getTopic().toString()).isEqualTo("d/pump-1/up/temp/boiler");
        assertThat(new String(upstream.get(0).getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("21.5");

        backend.publishWith().topic("d/pump-1/down/valve").qos(MqttQos.AT_LEAST_ONCE).payload("open".getBytes(StandardCharsets.UTF_8)).send();
        await().atMost(Duration.ofSeconds(5)).until(() -> commands.size() == 1);
        assertThat(commands.get(0).path()).isEqualTo("valve");
        assertThat(new String(commands.get(0).payload(), StandardCharsets.UTF_8)).isEqualTo("open");
        mqtt.disconnect();
        assertThat(mqtt.isConnected()).isFalse();
    }

    @Test
    void mqtt311ReconnectsWithTheTokenAndKeepsItsCommandSubscription() {
        DeviceMqttClient client = device(DeviceMqttClient.MqttVersion.MQTT_3_1_1).build();
        List<Command> commands = new CopyOnWriteArrayList<>();
        client.onCommand(commands::add).join();
        client.connect().join();
        client.publishTelemetry("status", new byte[] {1, 2, 3}, 0).join();
        await().atMost(Duration.ofSeconds(5)).until(() -> upstream.size() == 1);

        // 3.1.1 has no AUTH packet: presenting a token again is a reconnect, and the subscription comes back
        client.reauthenticate().join();
        assertThat(client.isConnected()).isTrue();
        backend.publishWith().topic("d/pump-1/down").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {9}).send();
        await().atMost(Duration.ofSeconds(5)).until(() -> commands.size() == 1);
        assertThat(commands.get(0).path()).isEmpty();
        client.disconnect().join();
    }

    /** A TokenManager whose fetches the test completes by hand. */
    private static final class HandFedTokens {
        final Queue<CompletableFuture<AccessToken>> fetches = new ConcurrentLinkedQueue<>();
        final TokenManager manager;

        HandFedTokens() {
            TokenManagerTest.ManualClock clock = new TokenManagerTest.ManualClock();
            clock.now = Instant.now();
            manager = TokenManager.builder(() -> {
                CompletableFuture<AccessToken> f = new CompletableFuture<>();
                fetches.add(f);
                return f;
            }).scheduler(new TokenManagerTest.ManualScheduler(clock)).clock(clock).build();
        }

        void next(AccessToken token) {
            manager.refreshNow();
            fetches.poll().complete(token);
        }
    }

    private static AccessToken second() {
        return new AccessToken("eyJhbGciOiJFUzI1NiJ9." + "y".repeat(400) + ".sig2", TokenFormat.JWT, "Bearer", null,
                Instant.now(), Instant.now().plusSeconds(600));
    }

    private static int connects(Mosquitto m) throws Exception {
        return m.log().split("as " + DEVICE + " ", -1).length - 1;
    }

    @ParameterizedTest
    @EnumSource(DeviceMqttClient.MqttVersion.class)
    void aNewTokenWhileConnectedIsPresentedAtOnceByReconnecting(DeviceMqttClient.MqttVersion version) throws Exception {
        // a second, anonymous mosquitto: the point here is that the client acts on the manager's new token
        try (Mosquitto open = Mosquitto.start(Files.createDirectories(dir.resolve("open")), Map.of(), true)) {
            HandFedTokens tokens = new HandFedTokens();
            tokens.next(TOKEN);
            DeviceMqttClient client = DeviceMqttClient.builder().deviceId(DEVICE).serverHost("127.0.0.1").serverPort(open.port)
                    .mqttVersion(version).tokens(tokens.manager).enhancedAuth(false).build();
            List<Command> commands = new CopyOnWriteArrayList<>();
            client.onCommand(commands::add).join();
            client.connect().join();
            assertThat(connects(open)).isEqualTo(1);

            tokens.next(TOKEN); // the same token again: nothing to present
            tokens.next(second());
            await().atMost(Duration.ofSeconds(10)).until(() -> client.isConnected() && connects(open) == 2);

            // still subscribed after the reconnect
            Mqtt5BlockingClient sender = Mqtt5Client.builder().identifier("sender").serverHost("127.0.0.1").serverPort(open.port).buildBlocking();
            sender.connect();
            sender.publishWith().topic("d/pump-1/down/ping").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {1}).send();
            await().atMost(Duration.ofSeconds(5)).until(() -> commands.size() == 1);
            sender.disconnect();
            client.disconnect().join();
            tokens.manager.close();
        }
    }

    @Test
    void automaticReconnectUsesTheManagersLatestToken() throws Exception {
        HandFedTokens tokens = new HandFedTokens();
        tokens.next(TOKEN);
        List<String> events = new CopyOnWriteArrayList<>();
        DeviceMqttClient client = device(DeviceMqttClient.MqttVersion.MQTT_5).tokens(tokens.manager).automaticReconnect(true)
                .connectionListener(new DeviceMqttClient.ConnectionListener() {
                    @Override
                    public void onConnected() {
                        events.add("up");
                    }

                    @Override
                    public void onDisconnected(String reason) {
                        events.add("down " + reason);
                    }
                }).build();
        client.connect().join();

        // the broker stops accepting the first token and drops the session (mosquitto does on reload)
        AccessToken second = second();
        broker.setPassword(DEVICE, second.value());
        broker.reload();
        await().atMost(Duration.ofSeconds(5)).until(() -> !client.isConnected());
        tokens.next(second);
        try {
            await().atMost(Duration.ofSeconds(15)).until(client::isConnected);
        } catch (RuntimeException e) {
            throw new AssertionError("mosquitto log:\n" + broker.log(), e);
        }
        client.publishTelemetry("after-renewal", new byte[] {7}, 1).join();
        await().atMost(Duration.ofSeconds(5)).until(() -> upstream.stream().anyMatch(p -> p.getTopic().toString().endsWith("after-renewal")));
        client.disconnect().join();
        tokens.manager.close();
        // up, dropped by the broker, (refused retries with the old token), up again, our own disconnect
        assertThat(events.get(0)).isEqualTo("up");
        assertThat(events.get(1)).startsWith("down ").isNotEqualTo("down closed_by_client");
        assertThat(events.subList(2, events.size())).endsWith("up", "down closed_by_client");
    }

    @Test
    void wrongTokenIsRefusedWithATypedReason() {
        AccessToken wrong = new AccessToken("eyJ.wrong.token", TokenFormat.JWT, "Bearer", null, Instant.now(), Instant.now().plusSeconds(60));
        DeviceMqttClient client = device(DeviceMqttClient.MqttVersion.MQTT_5).token(wrong).build();
        Throwable t = catchThrowable(() -> client.connect().join());
        assertThat(DeviceMqttClient.failureReason(t)).isIn("connack:NOT_AUTHORIZED", "connack:BAD_USER_NAME_OR_PASSWORD");

        DeviceMqttClient v3 = device(DeviceMqttClient.MqttVersion.MQTT_3_1_1).token(wrong).build();
        Throwable t3 = catchThrowable(() -> v3.connect().join());
        assertThat(DeviceMqttClient.failureReason(t3)).isIn("connack:NOT_AUTHORIZED", "connack:BAD_USER_NAME_OR_PASSWORD");
    }

    @Test
    void enhancedAuthSendsTheEdgeauthMethodWhichPlainMosquittoRefuses() {
        // mosquitto without an auth plugin knows no enhanced-auth method: the refusal proves the CONNECT carried it
        DeviceMqttClient client = device(DeviceMqttClient.MqttVersion.MQTT_5).enhancedAuth(true).build();
        Throwable t = catchThrowable(() -> client.connect().join());
        assertThat(DeviceMqttClient.failureReason(t)).isEqualTo("connack:BAD_AUTHENTICATION_METHOD");
    }

    @Test
    void telemetryPathsAreChecked() {
        DeviceMqttClient client = device(DeviceMqttClient.MqttVersion.MQTT_5).build();
        for (String bad : new String[] {"", "/abs", "a/+", "#"}) {
            assertThat(client.publishTelemetry(bad, new byte[0], 0)).isCompletedExceptionally();
        }
    }
}
