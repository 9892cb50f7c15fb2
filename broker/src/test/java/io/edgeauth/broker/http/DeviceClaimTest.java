package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.InProcessBrokerTest;
import io.edgeauth.broker.testsupport.Wallets;
import io.edgeauth.device.AccessToken;
import io.edgeauth.device.Command;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.DeviceMqttClient;
import io.edgeauth.device.TokenClient;
import io.edgeauth.device.TokenFormat;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * Device ownership end to end: the admin issues a one-time claim code, a wallet claims the device
 * with it over HTTP, the device's tokens then carry {@code owner}, and the owner's MQTT session sees
 * its telemetry and commands it; wrong, reused and foreign codes, missing or device tokens and
 * unknown devices are refused.
 */
class DeviceClaimTest extends InProcessBrokerTest {
    static DeviceIdentity register(String id) {
        DeviceIdentity identity = DeviceIdentity.generate(id);
        JsonObject body = new JsonObject().put("id", id).put("jwk", new JsonObject(identity.publicJwk().toJSONString()));
        assertThat(admin.postJson("/admin/devices", body.encode()).statusCode()).isEqualTo(201);
        return identity;
    }

    static String claimCode(String id) {
        HttpResponse<String> r = admin.postJson("/admin/devices/" + id + "/claim-code", "");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonObject o = new JsonObject(r.body());
        assertThat(o.getString("deviceId")).isEqualTo(id);
        return o.getString("claimCode");
    }

    static HttpResponse<String> claim(Http as, String id, String code) {
        return as.postJson("/devices/claim", new JsonObject().put("deviceId", id).put("claimCode", code).encode());
    }

    static AccessToken token(DeviceIdentity identity) throws Exception {
        return TokenClient.builder().brokerUri(URI.create(base)).identity(identity).tokenFormat(TokenFormat.JWT).build()
                .fetch().get(10, TimeUnit.SECONDS);
    }

    static String error(HttpResponse<String> r) {
        return new JsonObject(r.body()).getString("error");
    }

    static Mqtt5BlockingClient ownerClient(String did, String accessToken) {
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(did + "#owner-" + System.nanoTime())
                .serverHost("127.0.0.1").serverPort(broker.mqttPort()).buildBlocking();
        c.connectWith().simpleAuth().username(did).password(accessToken.getBytes(StandardCharsets.US_ASCII))
                .applySimpleAuth().send();
        return c;
    }

    @Test
    void claimCodeMakesTheWalletTheOwnerOverHttpAndMqtt() throws Exception {
        ECKeyPair wallet = Keys.createEcKeyPair();
        String did = Wallets.did(wallet);
        JsonObject login = Wallets.siweLogin(base, wallet);
        Http owner = new Http(base, login.getString("access_token"));
        DeviceIdentity device = register("claim-pump");

        // before the claim the wallet owns nothing: no devices, no subscription
        assertThat(new JsonObject(owner.get("/me/devices").body()).getJsonArray("devices")).isEmpty();
        Mqtt5BlockingClient before = ownerClient(did, login.getString("access_token"));
        assertThatThrownBy(() -> before.subscribeWith().topicFilter("d/claim-pump/up/#").send())
                .isInstanceOfSatisfying(Mqtt5SubAckException.class, e -> assertThat(e.getMqttMessage().getReasonCodes())
                        .containsExactly(Mqtt5SubAckReasonCode.NOT_AUTHORIZED));
        before.disconnect();

        String code = claimCode("claim-pump");
        assertThat(code).startsWith("cc_").hasSizeGreaterThanOrEqualTo(3 + 16); // >= 96 bits of base64url
        HttpResponse<String> claimed = claim(owner, "claim-pump", code);
        assertThat(claimed.statusCode()).as(claimed.body()).isEqualTo(200);
        assertThat(new JsonObject(claimed.body()).getString("owner")).isEqualTo(did);
        assertThat(new JsonObject(admin.get("/admin/devices/claim-pump").body()).getString("owner")).isEqualTo(did);
        JsonObject mine = new JsonObject(owner.get("/me/devices").body());
        assertThat(mine.getString("sub")).isEqualTo(did);
        assertThat(mine.getJsonArray("devices")).hasSize(1);
        assertThat(mine.getJsonArray("devices").getJsonObject(0).getString("id")).isEqualTo("claim-pump");

        // the device's tokens now name the owner
        AccessToken jwt = token(device);
        JsonObject introspected = new JsonObject(admin.postForm("/oauth/introspect", Map.of("token", jwt.value())).body());
        assertThat(introspected.getString("owner")).isEqualTo(did);

        // and the owner's (new) MQTT session sees the telemetry and sends commands
        Mqtt5BlockingClient app = ownerClient(did, login.getString("access_token"));
        List<String> seen = new CopyOnWriteArrayList<>();
        app.toAsync().subscribeWith().topicFilter("d/claim-pump/up/#").qos(MqttQos.AT_LEAST_ONCE)
                .callback(p -> seen.add(p.getTopic() + "=" + new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)))
                .send().get(5, TimeUnit.SECONDS);
        DeviceMqttClient mqtt = DeviceMqttClient.builder().identity(device).serverHost("127.0.0.1")
                .serverPort(broker.mqttPort()).token(jwt).build();
        mqtt.connect().get(10, TimeUnit.SECONDS);
        try {
            List<String> commands = new CopyOnWriteArrayList<>();
            mqtt.onCommand((Command c) -> commands.add(new String(c.payload(), StandardCharsets.UTF_8))).get(5, TimeUnit.SECONDS);
            mqtt.publishTelemetry("flow", "7".getBytes(StandardCharsets.UTF_8), 1).get(5, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains("d/claim-pump/up/flow=7"));
            app.publishWith().topic("d/claim-pump/down/valve").payload("close".getBytes(StandardCharsets.UTF_8))
                    .qos(MqttQos.AT_LEAST_ONCE).send();
            await().atMost(Duration.ofSeconds(5)).until(() -> commands.contains("close"));
        } finally {
            mqtt.disconnect();
            app.disconnect();
        }

        // the code was single use, even for the wallet that used it
        HttpResponse<String> reused = claim(owner, "claim-pump", code);
        assertThat(reused.statusCode()).isEqualTo(400);
        assertThat(error(reused)).isEqualTo("invalid_grant");
    }

    /**
     * Tour AD, AD4: a claim code outlived its device: after {@code DELETE /admin/devices/{id}} and a new registration
     * of the id (a decommissioned id reused for another customer's device), the unspent code of the old device claimed
     * the new one, its telemetry and its commands for whoever held the code. A code holds for the record it was issued
     * for: a replace (PUT, import) keeps it, a deletion or a move to another tenant ends it.
     */
    @Test
    void aCodeDoesNotOutliveItsDevice() throws Exception {
        Http holder = new Http(base, Wallets.siweLogin(base, Keys.createEcKeyPair()).getString("access_token"));
        register("claim-reused");
        String stale = claimCode("claim-reused");
        assertThat(admin.delete("/admin/devices/claim-reused").statusCode()).isEqualTo(204);
        register("claim-reused"); // the id again, for another device
        HttpResponse<String> refused = claim(holder, "claim-reused", stale);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
        assertThat(error(refused)).isEqualTo("invalid_grant");
        assertThat(new JsonObject(admin.get("/admin/devices/claim-reused").body()).getString("owner")).isNull();

        String fresh = claimCode("claim-reused");
        JsonObject replaced = new JsonObject(admin.get("/admin/devices/claim-reused").body()).put("region",
                new io.vertx.core.json.JsonArray().add("u33d"));
        assertThat(admin.postJsonPut("/admin/devices/claim-reused", replaced.encode()).statusCode()).isEqualTo(200);
        HttpResponse<String> claimed = claim(holder, "claim-reused", fresh);
        assertThat(claimed.statusCode()).as("a replaced record keeps its code: " + claimed.body()).isEqualTo(200);
    }

    @Test
    void wrongReusedAndForeignCodesAreRefused() throws Exception {
        JsonObject login = Wallets.siweLogin(base, Keys.createEcKeyPair());
        Http wallet = new Http(base, login.getString("access_token"));
        register("claim-a");
        register("claim-b");
        String codeA = claimCode("claim-a");

        HttpResponse<String> wrong = claim(wallet, "claim-a", "cc_AAAAAAAAAAAAAAAAAAAAAA");
        assertThat(wrong.statusCode()).isEqualTo(400);
        assertThat(error(wrong)).isEqualTo("invalid_grant");
        // a code is bound to its device
        HttpResponse<String> foreign = claim(wallet, "claim-b", codeA);
        assertThat(error(foreign)).isEqualTo("invalid_grant");
        // an unknown device answers exactly like a wrong code (no probing of device ids)
        HttpResponse<String> unknown = claim(wallet, "claim-nobody", codeA);
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body()).isEqualTo(wrong.body());
        // wrong attempts do not burn the real code; it works once, then never again
        assertThat(claim(wallet, "claim-a", codeA).statusCode()).isEqualTo(200);
        HttpResponse<String> reused = claim(new Http(base, Wallets.siweLogin(base, Keys.createEcKeyPair())
                .getString("access_token")), "claim-a", codeA);
        assertThat(reused.statusCode()).isEqualTo(400);
        assertThat(error(reused)).isEqualTo("invalid_grant");
        assertThat(new JsonObject(admin.get("/admin/devices/claim-a").body()).getString("owner"))
                .isEqualTo(login.getString("sub"));
        // malformed bodies
        assertThat(error(wallet.postJson("/devices/claim", "{\"deviceId\":\"claim-b\"}"))).isEqualTo("invalid_request");
        assertThat(error(wallet.postJson("/devices/claim", "not json"))).isEqualTo("invalid_request");
    }

    /**
     * A field the body does not have is refused, naming it, before anything is done (before, {"x":1} next to a good
     * claim was dropped in silence and the claim made): the claim, the claim code and the SIWE login.
     */
    @Test
    void unknownFieldsAreRefusedNamingThem() throws Exception {
        JsonObject login = Wallets.siweLogin(base, Keys.createEcKeyPair());
        Http wallet = new Http(base, login.getString("access_token"));
        register("claim-extra");
        String code = claimCode("claim-extra");
        HttpResponse<String> extra = wallet.postJson("/devices/claim", new JsonObject().put("deviceId", "claim-extra")
                .put("claimCode", code).put("x", 1).encode());
        assertThat(extra.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(extra.body()).getString("error_description")).startsWith("unknown field 'x'");
        assertThat(new JsonObject(admin.get("/admin/devices/claim-extra").body()).getString("owner")).isNull();
        assertThat(claim(wallet, "claim-extra", code).statusCode()).as("the code was not spent").isEqualTo(200);

        HttpResponse<String> ttl = admin.postJson("/admin/devices/claim-extra/claim-code", "{\"ttl\":120}");
        assertThat(ttl.statusCode()).isEqualTo(400);
        assertThat(ttl.body()).contains("unknown field 'ttl'");

        HttpResponse<String> siwe = new Http(base, null).postJson("/siwe/login",
                "{\"message\":\"m\",\"signature\":\"0x00\",\"chainId\":1}");
        assertThat(siwe.statusCode()).isEqualTo(400);
        assertThat(siwe.body()).contains("unknown field 'chainId'");
    }

    @Test
    void onlyWalletBearerTokensMayClaim() throws Exception {
        DeviceIdentity device = register("claim-c");
        String code = claimCode("claim-c");
        HttpResponse<String> none = claim(anonymous, "claim-c", code);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(error(none)).isEqualTo("invalid_token");
        assertThat(none.headers().firstValue("www-authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        HttpResponse<String> garbage = claim(new Http(base, "eyJhbGciOiJub25lIn0.e30."), "claim-c", code);
        assertThat(garbage.statusCode()).isEqualTo(401);
        assertThat(error(garbage)).isEqualTo("invalid_token");
        // a device's own token is not a wallet session
        HttpResponse<String> deviceToken = claim(new Http(base, token(device).value()), "claim-c", code);
        assertThat(deviceToken.statusCode()).isEqualTo(403);
        assertThat(error(deviceToken)).isEqualTo("insufficient_scope");
        assertThat(new Http(base, token(device).value()).get("/me/devices").statusCode()).isEqualTo(403);
        assertThat(anonymous.get("/me/devices").statusCode()).isEqualTo(401);
        // a revoked wallet token is refused too
        JsonObject login = Wallets.siweLogin(base, Keys.createEcKeyPair());
        assertThat(admin.postJson("/admin/revocations", new JsonObject().put("sub", login.getString("sub")).encode())
                .statusCode()).isEqualTo(201);
        HttpResponse<String> revoked = claim(new Http(base, login.getString("access_token")), "claim-c", code);
        assertThat(revoked.statusCode()).isEqualTo(401);
        // none of these spent the code
        JsonObject fresh = Wallets.siweLogin(base, Keys.createEcKeyPair());
        assertThat(claim(new Http(base, fresh.getString("access_token")), "claim-c", code).statusCode()).isEqualTo(200);
    }

    @Test
    void claimCodesNeedTheAdminAndAKnownDevice() throws Exception {
        register("claim-d");
        assertThat(anonymous.postJson("/admin/devices/claim-d/claim-code", "").statusCode()).isEqualTo(401);
        assertThat(new Http(base, "not-the-admin").postJson("/admin/devices/claim-d/claim-code", "").statusCode())
                .isEqualTo(401);
        assertThat(admin.postJson("/admin/devices/claim-nothing/claim-code", "").statusCode()).isEqualTo(404);
        assertThat(admin.postJson("/admin/devices/claim-d/claim-code", "{\"ttlSeconds\": 5}").statusCode()).isEqualTo(400);
        HttpResponse<String> shortLived = admin.postJson("/admin/devices/claim-d/claim-code", "{\"ttlSeconds\": 120}");
        assertThat(shortLived.statusCode()).isEqualTo(201);
        String a = new JsonObject(shortLived.body()).getString("claimCode");
        String b = claimCode("claim-d");
        assertThat(a).isNotEqualTo(b);
        // a new code cancels the outstanding one
        Http wallet = new Http(base, Wallets.siweLogin(base, Keys.createEcKeyPair()).getString("access_token"));
        assertThat(error(claim(wallet, "claim-d", a))).isEqualTo("invalid_grant");
        assertThat(claim(wallet, "claim-d", b).statusCode()).isEqualTo(200);
    }
}
