package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import io.edgeauth.broker.coap.DerivedPskStore;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.device.AccessToken;
import io.edgeauth.device.DeviceCoapClient;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.DeviceMqttClient;
import io.edgeauth.device.TokenFormat;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, encrypted tokens through real clients: the device SDK asks the token endpoint for a nested
 * JWT (JWE) and an encrypted CWT, cannot read either, and still connects over MQTT (HiveMQ client under
 * the SDK) and CoAP over DTLS (Californium under the SDK); a JWE with one altered byte is refused at
 * CONNECT; introspection and revocation work on them like on signed tokens.
 */
class EncryptedTokensTest {
    @TempDir
    static Path dataDir;
    static Broker broker;
    static String base;
    static Http admin;

    @BeforeAll
    static void start() {
        broker = Broker.start(TestBrokers.config(dataDir, Map.of("EDGEAUTH_COAP_DTLS_PORT", "0")));
        base = "http://localhost:" + broker.httpPort();
        admin = new Http(base, broker.newAdminCredential().orElseThrow());
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void encryptedTokensConnectOverMqttAndCoapButHideTheirClaims() throws Exception {
        DeviceIdentity device = DeviceFixtures.register(admin, "enc-pump", null, List.of());
        AccessToken jwe = DeviceFixtures.token(base, device, TokenFormat.JWE);
        assertThat(jwe.value().split("\\.", -1)).as("compact JWE").hasSize(5);
        for (String part : jwe.value().split("\\.")) {
            assertThat(new String(Base64.getUrlDecoder().decode(part), StandardCharsets.ISO_8859_1))
                    .doesNotContain("enc-pump");
        }

        DeviceMqttClient mqtt = DeviceMqttClient.builder().identity(device).serverHost("127.0.0.1")
                .serverPort(broker.mqttPort()).token(jwe).build();
        try {
            mqtt.connect().get(10, TimeUnit.SECONDS);
            mqtt.publishTelemetry("temp", "20".getBytes(StandardCharsets.UTF_8), 1).get(5, TimeUnit.SECONDS);
        } finally {
            mqtt.disconnect();
        }

        AccessToken cwt = DeviceFixtures.token(base, device, TokenFormat.CWT_ENCRYPTED);
        assertThat(cwt.bytes()[0] & 0xff).as("COSE_Encrypt0 tag").isEqualTo(0xd0);
        byte[] master = Files.readAllBytes(dataDir.resolve("coap-psk-master.key"));
        DeviceCoapClient coap = DeviceCoapClient.builder()
                .serverUri(URI.create("coaps://127.0.0.1:" + broker.coapDtlsPort())).identity(device)
                .psk(DerivedPskStore.derive(master, "enc-pump")).token(cwt).build();
        try {
            coap.uploadToken().get(10, TimeUnit.SECONDS);
            coap.publishTelemetry("humidity", "40".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
        } finally {
            coap.close();
        }

        JsonObject introspected = new JsonObject(admin.postForm("/oauth/introspect", Map.of("token", jwe.value())).body());
        assertThat(introspected.getBoolean("active")).isTrue();
        assertThat(introspected.getString("sub")).isEqualTo("enc-pump");
        assertThat(introspected.getString("token_format")).isEqualTo("jwe");
    }

    @Test
    void aJweWithOneAlteredByteIsRefusedAtConnect() throws Exception {
        DeviceIdentity device = DeviceFixtures.register(admin, "enc-forged", null, List.of());
        String jwe = DeviceFixtures.token(base, device, TokenFormat.JWE).value();
        String[] parts = jwe.split("\\.");
        byte[] ct = Base64.getUrlDecoder().decode(parts[3]);
        ct[ct.length / 2] ^= 1;
        parts[3] = Base64.getUrlEncoder().withoutPadding().encodeToString(ct);
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier("enc-forged")
                .serverHost("127.0.0.1").serverPort(broker.mqttPort()).buildBlocking();
        Assertions.assertThatThrownBy(() -> client.connectWith().simpleAuth().username("enc-forged")
                        .password(String.join(".", parts).getBytes(StandardCharsets.US_ASCII)).applySimpleAuth().send())
                .isInstanceOf(Mqtt5ConnAckException.class)
                .extracting(e -> ((Mqtt5ConnAckException) e).getMqttMessage().getReasonCode().getCode())
                .isEqualTo(0x86); // bad user name or password, as for any forged token
    }

    @Test
    void revokingAnEncryptedTokenByJtiEndsIt() throws Exception {
        DeviceIdentity device = DeviceFixtures.register(admin, "enc-revoked", null, List.of());
        AccessToken jwe = DeviceFixtures.token(base, device, TokenFormat.JWE);
        DeviceMqttClient mqtt = DeviceMqttClient.builder().identity(device).serverHost("127.0.0.1")
                .serverPort(broker.mqttPort()).token(jwe).build();
        mqtt.connect().get(10, TimeUnit.SECONDS);
        JsonObject info = new JsonObject(admin.postForm("/oauth/introspect", Map.of("token", jwe.value())).body());
        assertThat(admin.postJson("/admin/revocations", new JsonObject().put("jti", info.getString("jti")).encode())
                .statusCode()).isBetween(200, 204);
        await().atMost(Duration.ofSeconds(5)).until(() -> !mqtt.isConnected());
        assertThat(new JsonObject(admin.postForm("/oauth/introspect", Map.of("token", jwe.value())).body())
                .getBoolean("active")).isFalse();
    }
}
