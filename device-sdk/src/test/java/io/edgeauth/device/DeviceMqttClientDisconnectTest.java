package io.edgeauth.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link DeviceMqttClient#disconnect()} is for good, whatever the client was doing: a reconnect HiveMQ had already
 * scheduled after a lost connection, or a {@code connect()} backing off from a busy broker, does not leave the device
 * connected (and told nothing) after the application let it go.
 */
class DeviceMqttClientDisconnectTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    private final List<String> events = new CopyOnWriteArrayList<>();
    private FakeMqtt5AuthServer server;
    private DeviceMqttClient client;

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.disconnect().join();
        }
        if (server != null) {
            server.close();
        }
    }

    private DeviceMqttClient client(int port, boolean automaticReconnect, int busyRetries) {
        AccessToken token = new AccessToken("h.a.s", TokenFormat.JWT, "Bearer", null, Instant.now(),
                Instant.now().plusSeconds(600));
        client = DeviceMqttClient.builder().deviceId("pump-7").serverHost("127.0.0.1").serverPort(port)
                .tokens(() -> token).automaticReconnect(automaticReconnect).busyRetries(busyRetries)
                .connectionListener(new DeviceMqttClient.ConnectionListener() {
                    @Override
                    public void onConnected() {
                        events.add("up");
                    }

                    @Override
                    public void onDisconnected(String reason) {
                        events.add(reason);
                    }
                }).build();
        return client;
    }

    @Test
    void aReconnectAlreadyScheduledWhenTheApplicationDisconnectsDoesNotStayConnected() throws Exception {
        server = new FakeMqtt5AuthServer();
        client(server.port(), true, 0).connect().join();
        server.drop(); // HiveMQ schedules its reconnect (1 s) at once
        await().atMost(WAIT).until(() -> events.size() == 2);

        client.disconnect().join(); // while the client waits for its reconnect: nothing connected to close

        await().atMost(WAIT).until(() -> server.connects.size() == 2); // HiveMQ's reconnect cannot be cancelled
        await().atMost(WAIT).until(() -> !client.isConnected());
        assertThat(events).containsExactly("up", "connection_closed", "closed_by_client");
    }

    @Test
    void aConnectBackingOffFromABusyBrokerStopsWhenTheApplicationDisconnects() throws Exception {
        try (DeviceMqttClientBusyTest.SheddingServer busy = new DeviceMqttClientBusyTest.SheddingServer(100, 0x89, true)) {
            CompletableFuture<Void> connecting = client(busy.port(), false, 2).connect();
            await().atMost(WAIT).until(() -> busy.connects.get() == 1);

            client.disconnect().join();

            await().atMost(WAIT).until(connecting::isDone);
            assertThat(busy.connects.get()).isEqualTo(1); // no retry after the application let the device go
            assertThat(connecting).isCompletedExceptionally();
        }
    }

    /**
     * Tour AC (AC7): a client with a fixed token (no {@link TokenManager} to get another) whose token the broker
     * refuses stops reconnecting, instead of presenting the refused token again every minute for ever (a fleet whose
     * tokens were revoked hammering the broker); the application hears the refusal and decides.
     */
    @Test
    void aRefusedFixedTokenIsNotPresentedAgainByTheAutomaticReconnect() throws Exception {
        server = new FakeMqtt5AuthServer();
        client(server.port(), true, 0).connect().join();
        server.connackCode = c -> 0x87;
        server.disconnect(0x87, "revoked");
        await().atMost(WAIT).until(() -> events.size() == 2);

        // HiveMQ's first reconnect comes after 1 s (with jitter, at most 1.25 s): none comes
        await().during(Duration.ofSeconds(3)).atMost(WAIT).until(() -> server.connects.size() == 1);
        assertThat(client.isConnected()).isFalse();
        assertThat(events).containsExactly("up", "disconnect:NOT_AUTHORIZED");
    }
}
