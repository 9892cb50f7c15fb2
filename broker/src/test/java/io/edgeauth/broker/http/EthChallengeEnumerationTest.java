package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.Wallets;
import io.edgeauth.device.DeviceIdentity;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * Issue 10, hole 9: {@code /device/eth-challenge} and {@code /device/eth-login} answer the same for an
 * Ethereum device, a device registered with another credential and an id nobody registered, so neither
 * tells which device ids exist.
 */
class EthChallengeEnumerationTest {
    @TempDir
    Path dataDir;

    @Test
    void existingAndUnknownIdsGetTheSameAnswers() throws Exception {
        try (Broker broker = Broker.start(TestBrokers.config(dataDir))) {
            String base = "http://localhost:" + broker.httpPort();
            Http admin = new Http(base, broker.newAdminCredential().orElseThrow());
            Http anonymous = new Http(base, null);
            ECKeyPair key = Keys.createEcKeyPair();
            assertThat(admin.postJson("/admin/devices", new JsonObject().put("id", "en-eth")
                    .put("ethAddress", Wallets.address(key)).encode()).statusCode()).isEqualTo(201);
            assertThat(admin.postJson("/admin/devices", new JsonObject().put("id", "en-jwk")
                    .put("jwk", new JsonObject(DeviceIdentity.generate("en-jwk").publicJwk().toJSONString())).encode())
                    .statusCode()).isEqualTo(201);

            ECKeyPair stranger = Keys.createEcKeyPair();
            String firstLoginBody = null;
            for (String id : List.of("en-eth", "en-jwk", "en-nobody")) {
                HttpResponse<String> c = anonymous.get("/device/eth-challenge?deviceId=" + id);
                assertThat(c.statusCode()).as(id + ": " + c.body()).isEqualTo(200);
                assertThat(c.headers().firstValue("content-type")).isEqualTo(java.util.Optional.of("application/json"));
                JsonObject challenge = new JsonObject(c.body());
                assertThat(challenge.fieldNames()).as(id).containsExactlyInAnyOrder("deviceId", "challenge", "expiresAt");
                String text = challenge.getString("challenge");
                assertThat(text).startsWith("edgeauth device login\nDevice: " + id + "\nChallenge: ");

                HttpResponse<String> login = anonymous.postJson("/device/eth-login", new JsonObject().put("deviceId", id)
                        .put("challenge", text).put("signature", Wallets.personalSign(text, stranger)).encode());
                assertThat(login.statusCode()).as(id + ": " + login.body()).isEqualTo(401);
                if (firstLoginBody == null) {
                    firstLoginBody = login.body();
                }
                assertThat(login.body()).as(id).isEqualTo(firstLoginBody);
            }
        }
    }
}
