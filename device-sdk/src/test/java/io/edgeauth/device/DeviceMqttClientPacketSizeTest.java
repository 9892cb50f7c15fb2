package io.edgeauth.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Tour AC (AC6): an MQTT 5 device announces a Maximum Packet Size in its CONNECT (1 MiB by default) and refuses a
 * larger packet: the HiveMQ client's own limit is MQTT's, 256 MiB, so a compromised or broken broker could make a
 * small device buffer a command of hundreds of megabytes.
 */
class DeviceMqttClientPacketSizeTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    private final List<Command> commands = new CopyOnWriteArrayList<>();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private FakeMqtt5AuthServer server;
    private DeviceMqttClient client;

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.disconnect().join();
        }
        server.close();
    }

    private DeviceMqttClient.Builder builder() throws Exception {
        server = new FakeMqtt5AuthServer();
        AccessToken token = new AccessToken("h.a.s", TokenFormat.JWT, "Bearer", null, Instant.now(),
                Instant.now().plusSeconds(600));
        return DeviceMqttClient.builder().deviceId("pump-7").serverHost("127.0.0.1").serverPort(server.port())
                .token(token).connectionListener(new DeviceMqttClient.ConnectionListener() {
                    @Override
                    public void onDisconnected(String reason) {
                        events.add(reason);
                    }
                });
    }

    @Test
    void aCommandOverTheDevicesMaximumPacketSizeIsRefusedNotBuffered() throws Exception {
        client = builder().build();
        client.onCommand(commands::add);
        client.connect().join();
        assertThat(server.connects.get(0).maximumPacketSize()).isEqualTo(1024 * 1024);

        try {
            server.publish("d/pump-7/down/x", new byte[2 * 1024 * 1024]);
        } catch (java.io.IOException e) {
            // the device hung up on the packet's header, before the server had written all of it
        }

        await().atMost(WAIT).until(() -> !client.isConnected());
        assertThat(commands).isEmpty();
    }

    @Test
    void theLimitIsTheDevicesToSet() throws Exception {
        client = builder().maxPacketSize(4 * 1024 * 1024).build();
        client.onCommand(commands::add);
        client.connect().join();
        assertThat(server.connects.get(0).maximumPacketSize()).isEqualTo(4 * 1024 * 1024);

        server.publish("d/pump-7/down/x", new byte[2 * 1024 * 1024]);

        await().atMost(WAIT).until(() -> commands.size() == 1);
        assertThat(commands.get(0).payload()).hasSize(2 * 1024 * 1024);
    }
}
