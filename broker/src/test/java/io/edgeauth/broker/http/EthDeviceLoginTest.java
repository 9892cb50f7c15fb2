package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.Wallets;
import io.edgeauth.device.DeviceIdentity;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * Ethereum-keyed devices over HTTP: challenge, EIP-191 signature, JWT and CWT tokens that verify and
 * open an MQTT session; wrong key, replay, unknown device and JWK devices refused with RFC 6749 errors.
 * (Challenge expiry is covered with a hand-moved clock in EthDeviceTokenServiceTest.)
 */
class EthDeviceLoginTest {
    @TempDir
    static Path dataDir;
    static Broker broker;
    static String base;
    static Http admin;
    static Http anonymous;
    static ECKeyPair key;

    @BeforeAll
    static void start() throws Exception {
        broker = Broker.start(TestBrokers.config(dataDir));
        base = "http://localhost:" + broker.httpPort();
        admin = new Http(base, broker.newAdminCredential().orElseThrow());
        anonymous = new Http(base, null);
        key = Keys.createEcKeyPair();
        // registered in lower case: the registry keeps the EIP-55 form
        assertThat(admin.postJson("/admin/devices", new JsonObject().put("id", "eth-meter")
                .put("ethAddress", Wallets.address(key).toLowerCase()).encode()).statusCode()).isEqualTo(201);
        DeviceIdentity jwkDevice = DeviceIdentity.generate("jwk-meter");
        assertThat(admin.postJson("/admin/devices", new JsonObject().put("id", "jwk-meter")
                .put("jwk", new JsonObject(jwkDevice.publicJwk().toJSONString())).encode()).statusCode()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    static JsonObject challenge(String deviceId) {
        HttpResponse<String> r = anonymous.get("/device/eth-challenge?deviceId=" + URLEncoder.encode(deviceId, StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new JsonObject(r.body());
    }

    static HttpResponse<String> login(String deviceId, String challenge, String signature, String format) {
        JsonObject body = new JsonObject().put("deviceId", deviceId).put("challenge", challenge).put("signature", signature);
        if (format != null) {
            body.put("token_format", format);
        }
        return anonymous.postJson("/device/eth-login", body.encode());
    }

    static JsonObject introspect(String token) {
        return new JsonObject(admin.postForm("/oauth/introspect", Map.of("token", token)).body());
    }

    static void assertError(HttpResponse<String> r, int status, String error) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(new JsonObject(r.body()).getString("error")).as(r.body()).isEqualTo(error);
    }

    @Test
    void signedChallengeGivesJwtAndCwtTokens() throws Exception {
        JsonObject c = challenge("eth-meter");
        assertThat(Instant.parse(c.getString("expiresAt"))).isAfter(Instant.now());
        HttpResponse<String> r = login("eth-meter", c.getString("challenge"), Wallets.personalSign(c.getString("challenge"), key), null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonObject jwt = new JsonObject(r.body());
        assertThat(jwt.getString("token_type")).isEqualTo("Bearer");
        assertThat(jwt.getLong("expires_in")).isPositive();
        JsonObject a = introspect(jwt.getString("access_token"));
        assertThat(a.getBoolean("active")).isTrue();
        assertThat(a.getString("sub")).isEqualTo("eth-meter");
        assertThat(a.getString("token_format")).isEqualTo("jwt");

        JsonObject c2 = challenge("eth-meter");
        HttpResponse<String> r2 = login("eth-meter", c2.getString("challenge"), Wallets.personalSign(c2.getString("challenge"), key), "cwt");
        assertThat(r2.statusCode()).as(r2.body()).isEqualTo(200);
        JsonObject cwt = new JsonObject(r2.body());
        assertThat(cwt.getString("token_format")).isEqualTo("cwt");
        JsonObject b = introspect(cwt.getString("access_token"));
        assertThat(b.getBoolean("active")).isTrue();
        assertThat(b.getString("sub")).isEqualTo("eth-meter");
        assertThat(b.getString("token_format")).isEqualTo("cwt");

        // the token opens an MQTT session for the device's own topics
        Mqtt5BlockingClient mqtt = MqttClient.builder().useMqttVersion5().identifier("eth-meter")
                .serverHost("127.0.0.1").serverPort(broker.mqttPort()).buildBlocking();
        mqtt.connectWith().simpleAuth().username("eth-meter")
                .password(jwt.getString("access_token").getBytes(StandardCharsets.US_ASCII)).applySimpleAuth().send();
        mqtt.publishWith().topic("d/eth-meter/up/kwh").payload("1.5".getBytes(StandardCharsets.UTF_8))
                .qos(MqttQos.AT_LEAST_ONCE).send();
        mqtt.disconnect();
    }

    @Test
    void wrongKeyReplayUnknownDeviceAndJwkDevicesAreRefused() throws Exception {
        JsonObject c = challenge("eth-meter");
        String text = c.getString("challenge");
        assertError(login("eth-meter", text, Wallets.personalSign(text, Keys.createEcKeyPair()), null), 401, "invalid_client");
        assertError(login("eth-other", text, Wallets.personalSign(text, key), null), 400, "invalid_grant");
        assertError(login("eth-meter", text, "0x" + "11".repeat(65), null), 400, "invalid_request");
        // failed attempts leave the challenge to the device (before, anyone naming it used it up); success spends it
        String signed = Wallets.personalSign(text, key);
        assertThat(login("eth-meter", text, signed, null).statusCode()).isEqualTo(200);
        assertError(login("eth-meter", text, signed, null), 400, "invalid_grant");

        JsonObject c2 = challenge("eth-meter");
        String good = Wallets.personalSign(c2.getString("challenge"), key);
        assertThat(login("eth-meter", c2.getString("challenge"), good, null).statusCode()).isEqualTo(200);
        assertError(login("eth-meter", c2.getString("challenge"), good, null), 400, "invalid_grant");

        // unknown and JWK devices get challenges too (no enumeration: EthChallengeEnumerationTest), then invalid_client
        JsonObject forNobody = challenge("nobody");
        assertError(login("nobody", forNobody.getString("challenge"),
                Wallets.personalSign(forNobody.getString("challenge"), key), null), 401, "invalid_client");
        JsonObject forJwk = challenge("jwk-meter");
        assertError(login("jwk-meter", forJwk.getString("challenge"),
                Wallets.personalSign(forJwk.getString("challenge"), key), null), 401, "invalid_client");
        assertError(anonymous.get("/device/eth-challenge"), 400, "invalid_request");
        assertError(anonymous.get("/device/eth-challenge?deviceId=a%0Ab"), 400, "invalid_request");
        assertError(login("nobody", "edgeauth device login\nDevice: nobody", good, null), 400, "invalid_grant");

        JsonObject c3 = challenge("eth-meter");
        assertError(login("eth-meter", c3.getString("challenge"), "0xdeadbeef", null), 400, "invalid_request");
        assertError(login("eth-meter", c3.getString("challenge"), good, "xml"), 400, "invalid_request");
        assertError(anonymous.postJson("/device/eth-login", "{\"deviceId\":\"eth-meter\"}"), 400, "invalid_request");
        assertError(anonymous.postJson("/device/eth-login", ""), 400, "invalid_request");
    }
}
