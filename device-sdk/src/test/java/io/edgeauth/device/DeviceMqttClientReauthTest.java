package io.edgeauth.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** MQTT 5 enhanced authentication on the wire, against a minimal fake server. */
class DeviceMqttClientReauthTest {
    private FakeMqtt5AuthServer server;

    @BeforeEach
    void start() throws Exception {
        server = new FakeMqtt5AuthServer();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    private static AccessToken cwt(int... values) {
        byte[] raw = new byte[values.length];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (byte) values[i];
        }
        return new AccessToken(Base64.getUrlEncoder().withoutPadding().encodeToString(raw), TokenFormat.CWT, "Bearer", null,
                Instant.now(), Instant.now().plusSeconds(600));
    }

    @Test
    void connectCarriesTheTokenAsPasswordAndAuthDataAndNewTokensGoInAuthPackets() {
        AccessToken first = cwt(0xd2, 0x84, 1, 2, 3);
        AccessToken second = cwt(0xd2, 0x84, 4, 5, 6, 0xff);
        Queue<CompletableFuture<AccessToken>> fetches = new ConcurrentLinkedQueue<>();
        TokenManagerTest.ManualClock clock = new TokenManagerTest.ManualClock();
        TokenManager tokens = TokenManager.builder(() -> {
            CompletableFuture<AccessToken> f = new CompletableFuture<>();
            fetches.add(f);
            return f;
        }).scheduler(new TokenManagerTest.ManualScheduler(clock)).clock(clock).build();
        tokens.start();
        fetches.poll().complete(first);

        DeviceMqttClient client = DeviceMqttClient.builder().deviceId("meter-3").serverHost("127.0.0.1").serverPort(server.port())
                .tokens(tokens).build();
        client.connect().join();

        FakeMqtt5AuthServer.Connect c = server.connects.get(0);
        assertThat(c.clientId()).isEqualTo("meter-3");
        assertThat(c.username()).isEqualTo("meter-3");
        // password: the CWT base64url text (safe for brokers that read it as UTF-8); auth data: raw CWT
        assertThat(new String(c.password(), StandardCharsets.US_ASCII)).isEqualTo(first.value());
        assertThat(c.authMethod()).isEqualTo(DeviceMqttClient.DEFAULT_AUTH_METHOD);
        assertThat(c.authData()).isEqualTo(first.bytes());

        // the manager's next token is presented in an AUTH packet, without reconnecting
        tokens.refreshNow();
        fetches.poll().complete(second);
        await().atMost(Duration.ofSeconds(5)).until(() -> server.reauthData.size() == 1);
        assertThat(server.reauthData.get(0)).isEqualTo(second.bytes());
        assertThat(server.reauthMethods.get(0)).isEqualTo("edgeauth-token");
        assertThat(server.connects).hasSize(1);
        assertThat(client.isConnected()).isTrue();

        // and on demand, completing when the server says success
        client.reauthenticate().join();
        assertThat(server.reauthData).hasSize(2);
        client.disconnect().join();
        tokens.close();
    }

    @Test
    void rawCwtPasswordOption() {
        AccessToken token = cwt(0xd2, 9, 9);
        DeviceMqttClient client = DeviceMqttClient.builder().deviceId("m").serverHost("127.0.0.1").serverPort(server.port())
                .token(token).rawCwtPassword(true).build();
        client.toBlocking().connect();
        assertThat(server.connects.get(0).password()).isEqualTo(token.bytes());
        client.toBlocking().disconnect();
    }
}
