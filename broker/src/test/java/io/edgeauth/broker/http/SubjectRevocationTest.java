package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.upokecenter.cbor.CBORObject;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.InProcessBrokerTest;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.broker.testsupport.Wallets;
import io.edgeauth.device.ClientAssertions;
import io.edgeauth.device.DeviceIdentity;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * Issue 10, hole 2: revoking a subject ({@code POST /admin/revocations {"sub": ...}}) refuses every
 * token of that subject and every new issuance to it (token endpoint, CoAP {@code /token}, Ethereum-
 * device login, SIWE login, refresh, token exchange) until an operator lifts it with
 * {@code DELETE /admin/revocations/sub/{value}}; lifting never revives a token issued before.
 */
class SubjectRevocationTest extends InProcessBrokerTest {
    static DeviceIdentity register(String id) {
        return TestDevices.register(admin, id);
    }

    static HttpResponse<String> clientCredentials(DeviceIdentity device) {
        return TestDevices.clientCredentials(anonymous, base, device, null);
    }

    static CoapResponse coapToken(DeviceIdentity device) throws Exception {
        CBORObject request = CBORObject.NewMap().Add(33, 2)
                .Add("client_assertion_type", ClientAssertions.ASSERTION_TYPE)
                .Add("client_assertion", TestDevices.assertion(base, device));
        CoapClient client = new CoapClient("coap://127.0.0.1:" + broker.coapPort() + "/token");
        try {
            return client.post(request.EncodeToBytes(), MediaTypeRegistry.APPLICATION_ACE_CBOR);
        } finally {
            client.shutdown();
        }
    }

    static Instant revokeSubject(String sub) {
        HttpResponse<String> r = admin.postJson("/admin/revocations",
                new JsonObject().put("sub", sub).put("reason", "stolen").encode());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return Instant.parse(new JsonObject(r.body()).getString("revokedAt"));
    }

    static HttpResponse<String> lift(String sub) {
        return admin.delete("/admin/revocations/sub/" + URLEncoder.encode(sub, StandardCharsets.UTF_8));
    }

    static boolean active(String token) {
        return TestDevices.active(admin, token);
    }

    static void connectMqtt(String clientId, String token) {
        TestDevices.connectMqtt(broker.mqttPort(), clientId, token);
    }

    @Test
    void aRevokedDeviceGetsNoNewTokenUntilTheRevocationIsLifted() throws Exception {
        DeviceIdentity device = register("sr-pump");
        String before = new JsonObject(clientCredentials(device).body()).getString("access_token");
        Instant revokedAt = revokeSubject("sr-pump");

        HttpResponse<String> refused = clientCredentials(device);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(401);
        assertThat(new JsonObject(refused.body()).getString("error_description")).contains("revoked");
        assertThat(coapToken(device).getCode().codeClass).as("CoAP /token").isEqualTo(4);
        assertThat(active(before)).isFalse();
        assertThatThrownBy(() -> connectMqtt("sr-pump", before)).as("the old token does not connect");

        assertThat(lift("sr-pump").statusCode()).isEqualTo(204);
        assertThat(lift("sr-pump").statusCode()).as("nothing left to lift").isEqualTo(404);
        assertThat(active(before)).as("lifting revives no old token").isFalse();
        // a token issued in the revocation's own second counts as issued before it (iat has whole seconds)
        await().atMost(Duration.ofSeconds(3)).until(() -> Instant.now().getEpochSecond() > revokedAt.getEpochSecond());
        HttpResponse<String> after = clientCredentials(device);
        assertThat(after.statusCode()).as(after.body()).isEqualTo(200);
        String fresh = new JsonObject(after.body()).getString("access_token");
        assertThat(active(fresh)).isTrue();
        connectMqtt("sr-pump", fresh);
    }

    @Test
    void theBlockHoldsForTokensIssuedAfterTheRevocationSecond() throws Exception {
        DeviceIdentity device = register("sr-meter");
        Instant revokedAt = revokeSubject("sr-meter");
        await().atMost(Duration.ofSeconds(3)).until(() -> Instant.now().getEpochSecond() > revokedAt.getEpochSecond());
        assertThat(clientCredentials(device).statusCode()).isEqualTo(401);
        assertThat(coapToken(device).getCode().codeClass).isEqualTo(4);
    }

    @Test
    void aRevokedWalletCannotSignInOrRefresh() throws Exception {
        ECKeyPair key = Keys.createEcKeyPair();
        JsonObject login = Wallets.siweLogin(base, key);
        revokeSubject(Wallets.did(key));
        assertThatThrownBy(() -> Wallets.siweLogin(base, key)).hasMessageContaining("revoked");
        HttpResponse<String> refresh = anonymous.postForm("/oauth/token",
                Map.of("grant_type", "refresh_token", "refresh_token", login.getString("refresh_token")));
        assertThat(refresh.statusCode()).as(refresh.body()).isEqualTo(400);
        assertThat(new JsonObject(refresh.body()).getString("error")).isEqualTo("invalid_grant");

        assertThat(lift(Wallets.did(key)).statusCode()).isEqualTo(204);
        assertThat(Wallets.siweLogin(base, key).getString("access_token")).isNotBlank();
    }

    @Test
    void aRevokedEthereumDeviceCannotLogIn() throws Exception {
        ECKeyPair key = Keys.createEcKeyPair();
        assertThat(admin.postJson("/admin/devices", new JsonObject().put("id", "sr-eth")
                .put("ethAddress", Wallets.address(key)).encode()).statusCode()).isEqualTo(201);
        revokeSubject("sr-eth");
        JsonObject c = new JsonObject(anonymous.get("/device/eth-challenge?deviceId=sr-eth").body());
        String challenge = c.getString("challenge");
        HttpResponse<String> r = anonymous.postJson("/device/eth-login", new JsonObject().put("deviceId", "sr-eth")
                .put("challenge", challenge).put("signature", Wallets.personalSign(challenge, key)).encode());
        assertThat(r.statusCode()).as(r.body()).isGreaterThanOrEqualTo(400).isLessThan(500);
        assertThat(r.body()).contains("revoked");
    }

    @Test
    void liftingNeedsTheAdminAndAnExistingSubjectRevocation() {
        assertThat(anonymous.delete("/admin/revocations/sub/whoever").statusCode()).isEqualTo(401);
        assertThat(lift("never-revoked").statusCode()).isEqualTo(404);
        assertThat(admin.delete("/admin/revocations/jti/x").statusCode()).isEqualTo(400);
    }
}
