package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.mqtt.MqttSettings;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.Wallets;
import io.edgeauth.device.AccessToken;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.TokenFormat;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * Whose MQTT session is whose, through a real broker and the HiveMQ client: a wallet may not take a device's
 * client id (issue 10 hole 1), device ids are never wallet DIDs (hole 11), and a stranger's failed CONNECTs
 * under a device's id, or replays of its revoked token, do not lock that device out (hole 7).
 */
class SessionOwnershipTest {
    @TempDir
    static Path dataDir;
    static Broker broker;
    static String base;
    static Http admin;

    @BeforeAll
    static void start() {
        broker = Broker.start(TestBrokers.config(dataDir));
        base = "http://localhost:" + broker.httpPort();
        admin = new Http(base, broker.newAdminCredential().orElseThrow());
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private static Mqtt5BlockingClient v5(String clientId, AtomicReference<Throwable> disconnected) {
        return MqttClient.builder().useMqttVersion5().identifier(clientId).serverHost("127.0.0.1")
                .serverPort(broker.mqttPort())
                .addDisconnectedListener(ctx -> disconnected.compareAndSet(null, ctx.getCause())).buildBlocking();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void aWalletCannotTakeOverADevicesSession() throws Exception {
        DeviceIdentity device = DeviceFixtures.register(admin, "own-pump-7", null, List.of());
        AccessToken token = DeviceFixtures.token(base, device, TokenFormat.JWT);
        AtomicReference<Throwable> deviceGone = new AtomicReference<>();
        Mqtt5BlockingClient pump = v5("own-pump-7", deviceGone);
        pump.connectWith().simpleAuth().username("own-pump-7").password(ascii(token.value())).applySimpleAuth().send();

        ECKeyPair stranger = Keys.createEcKeyPair();
        String walletToken = Wallets.siweLogin(base, stranger).getString("access_token");
        Mqtt5BlockingClient thief = v5("own-pump-7", new AtomicReference<>());
        assertThatThrownBy(() -> thief.connectWith().simpleAuth().username(Wallets.did(stranger))
                .password(ascii(walletToken)).applySimpleAuth().send())
                .isInstanceOfSatisfying(Mqtt5ConnAckException.class, e -> assertThat(e.getMqttMessage().getReasonCode())
                        .isIn(Mqtt5ConnAckReasonCode.CLIENT_IDENTIFIER_NOT_VALID, Mqtt5ConnAckReasonCode.NOT_AUTHORIZED));
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                .until(() -> pump.getState().isConnected() && deviceGone.get() == null);

        // the wallet's own client ids: its DID, or one the broker assigns (unique per connection)
        Mqtt5BlockingClient own = v5(Wallets.did(stranger), new AtomicReference<>());
        own.connectWith().simpleAuth().username(Wallets.did(stranger)).password(ascii(walletToken)).applySimpleAuth()
                .send();
        Mqtt5BlockingClient assigned = MqttClient.builder().useMqttVersion5().serverHost("127.0.0.1")
                .serverPort(broker.mqttPort()).buildBlocking();
        Mqtt5ConnAck ack = assigned.connectWith().simpleAuth().username(Wallets.did(stranger))
                .password(ascii(walletToken)).applySimpleAuth().send();
        assertThat(ack.getAssignedClientIdentifier()).hasValueSatisfying(id -> assertThat(id.toString())
                .startsWith(Wallets.did(stranger)));
        assertThat(own.getState().isConnected()).as("the assigned id is not the DID itself").isTrue();
        Mqtt3BlockingClient browser = MqttClient.builder().useMqttVersion3().identifier("").serverHost("127.0.0.1")
                .serverPort(broker.mqttPort()).buildBlocking();
        browser.connectWith().simpleAuth().username(Wallets.did(stranger)).password(ascii(walletToken))
                .applySimpleAuth().send();
        browser.disconnect();
        assigned.disconnect();
        own.disconnect();
        pump.disconnect();
    }

    @Test
    void oneWalletHoldsAtMostTheConfiguredNumberOfSessions() throws Exception {
        // issue 10 hole 16: one wallet login held 200 concurrent sessions; mqtt.maxSessionsPerPrincipal (16)
        ECKeyPair wallet = Keys.createEcKeyPair();
        String did = Wallets.did(wallet);
        byte[] token = ascii(Wallets.siweLogin(base, wallet).getString("access_token"));
        List<Mqtt5BlockingClient> held = new java.util.ArrayList<>();
        for (int i = 0; i < MqttSettings.DEFAULT_MAX_SESSIONS_PER_PRINCIPAL; i++) {
            Mqtt5BlockingClient c = v5(did + "#s" + i, new AtomicReference<>());
            c.connectWith().simpleAuth().username(did).password(token).applySimpleAuth().send();
            held.add(c);
        }
        Mqtt5BlockingClient oneMore = v5(did + "#more", new AtomicReference<>());
        assertThatThrownBy(() -> oneMore.connectWith().simpleAuth().username(did).password(token).applySimpleAuth()
                .send()).isInstanceOfSatisfying(Mqtt5ConnAckException.class, e -> assertThat(
                        e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.QUOTA_EXCEEDED));
        held.remove(0).disconnect();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Mqtt5BlockingClient again = v5(did + "#again", new AtomicReference<>());
            again.connectWith().simpleAuth().username(did).password(token).applySimpleAuth().send();
            held.add(again);
        });
        held.forEach(Mqtt5BlockingClient::disconnect);
    }

    /**
     * Red-team tour T7: the bound counted connections only, so a wallet held twelve persistent sessions under a bound
     * of four by disconnecting each (every one queueing its own copy of what it matched). Offline sessions count now;
     * resuming one of them does not take another place, and one that ends frees its place.
     */
    @Test
    void persistentSessionsWaitingOfflineCountTowardsTheBound() throws Exception {
        ECKeyPair wallet = Keys.createEcKeyPair();
        String did = Wallets.did(wallet);
        byte[] token = ascii(Wallets.siweLogin(base, wallet).getString("access_token"));
        for (int i = 0; i < MqttSettings.DEFAULT_MAX_SESSIONS_PER_PRINCIPAL; i++) {
            Mqtt5BlockingClient c = v5(did + "#p" + i, new AtomicReference<>());
            c.connectWith().cleanStart(false).sessionExpiryInterval(600).simpleAuth().username(did).password(token)
                    .applySimpleAuth().send();
            c.disconnect();
        }
        Mqtt5BlockingClient oneMore = v5(did + "#p-more", new AtomicReference<>());
        assertThatThrownBy(() -> oneMore.connectWith().cleanStart(false).sessionExpiryInterval(600).simpleAuth()
                .username(did).password(token).applySimpleAuth().send())
                .isInstanceOfSatisfying(Mqtt5ConnAckException.class, e -> assertThat(
                        e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.QUOTA_EXCEEDED));
        Mqtt5BlockingClient resumed = v5(did + "#p0", new AtomicReference<>());
        assertThat(resumed.connectWith().cleanStart(false).sessionExpiryInterval(0).simpleAuth().username(did)
                .password(token).applySimpleAuth().send().isSessionPresent()).as("its own session resumes").isTrue();
        resumed.disconnect(); // expiry 0 now: the session ends with the connection, and its place is free
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Mqtt5BlockingClient again = v5(did + "#p-again", new AtomicReference<>());
            again.connectWith().simpleAuth().username(did).password(token).applySimpleAuth().send();
            again.disconnect();
        });
    }

    @Test
    void deviceIdsInTheDidNamespaceAreRefused() throws Exception {
        String did = Wallets.did(Keys.createEcKeyPair());
        DeviceIdentity identity = DeviceIdentity.generate(did);
        var response = admin.postJson("/admin/devices", new JsonObject().put("id", did)
                .put("jwk", new JsonObject(identity.publicJwk().toJSONString())).encode());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(response.body()).contains("did:");
    }

    @Test
    void failedConnectsUnderADevicesIdDoNotLockTheDeviceOut() throws Exception {
        DeviceIdentity device = DeviceFixtures.register(admin, "guard-pump-7", null, List.of());
        for (int i = 0; i < 12; i++) {
            Mqtt5BlockingClient stranger = v5("guard-pump-7", new AtomicReference<>());
            assertThatThrownBy(() -> stranger.connectWith().simpleAuth().username("guard-pump-7")
                    .password(ascii("eyJhbGciOiJFUzI1NiJ9.e30.c2ln")).applySimpleAuth().send())
                    .isInstanceOf(Mqtt5ConnAckException.class);
        }
        AccessToken token = DeviceFixtures.token(base, device, TokenFormat.JWT);
        Mqtt5BlockingClient pump = v5("guard-pump-7", new AtomicReference<>());
        Mqtt5ConnAck ack = pump.connectWith().simpleAuth().username("guard-pump-7").password(ascii(token.value()))
                .applySimpleAuth().send();
        assertThat(ack.getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
        pump.disconnect();
    }

    @Test
    void replaysOfTheDevicesRevokedTokenDoNotLockItsValidTokenOut() throws Exception {
        DeviceIdentity device = DeviceFixtures.register(admin, "guard-pump-9", null, List.of());
        AccessToken revoked = DeviceFixtures.token(base, device, TokenFormat.JWT);
        String jti = new JsonObject(new String(java.util.Base64.getUrlDecoder().decode(revoked.value().split("\\.")[1]),
                StandardCharsets.UTF_8)).getString("jti");
        assertThat(admin.postJson("/admin/revocations", new JsonObject().put("jti", jti).encode()).statusCode())
                .isEqualTo(201);
        // whoever replays a revoked token cannot be told from the device by it: it must not spend the device's budget
        for (int i = 0; i < 12; i++) {
            Mqtt5BlockingClient replay = v5("guard-pump-9", new AtomicReference<>());
            assertThatThrownBy(() -> replay.connectWith().simpleAuth().username("guard-pump-9")
                    .password(ascii(revoked.value())).applySimpleAuth().send())
                    .isInstanceOfSatisfying(Mqtt5ConnAckException.class, e -> assertThat(
                            e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED));
        }
        AccessToken fresh = DeviceFixtures.token(base, device, TokenFormat.JWT);
        Mqtt5BlockingClient pump = v5("guard-pump-9", new AtomicReference<>());
        Mqtt5ConnAck ack = pump.connectWith().simpleAuth().username("guard-pump-9").password(ascii(fresh.value()))
                .applySimpleAuth().send();
        assertThat(ack.getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
        pump.disconnect();
    }

    @Test
    void anAuthenticatedDevicesOwnFailuresStillCountAgainstIt() throws Exception {
        DeviceIdentity device = DeviceFixtures.register(admin, "guard-pump-8", null, List.of());
        AccessToken token = DeviceFixtures.token(base, device, TokenFormat.JWT);
        // a valid token of guard-pump-8 presented under another client id: authenticated, then refused
        Mqtt5ConnAckReasonCode last = null;
        for (int i = 0; i < 12 && last != Mqtt5ConnAckReasonCode.QUOTA_EXCEEDED; i++) {
            Mqtt5BlockingClient c = v5("guard-other-" + i, new AtomicReference<>());
            try {
                c.connectWith().simpleAuth().username("guard-other").password(ascii(token.value())).applySimpleAuth()
                        .send();
                throw new AssertionError("accepted a token under another client id");
            } catch (Mqtt5ConnAckException e) {
                last = e.getMqttMessage().getReasonCode();
            }
        }
        assertThat(last).isEqualTo(Mqtt5ConnAckReasonCode.QUOTA_EXCEEDED);
    }
}
