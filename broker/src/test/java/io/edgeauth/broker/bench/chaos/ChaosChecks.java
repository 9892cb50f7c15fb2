package io.edgeauth.broker.bench.chaos;

import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import io.edgeauth.broker.testsupport.Http;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The invariants a restarted broker must keep, checked against the ledger of what it acknowledged:
 * registrations present, revoked tokens refused (introspection and a real MQTT CONNECT), consumed SIWE
 * nonces not reusable, rotated refresh tokens refused. Each violation is one line.
 */
final class ChaosChecks {
    private ChaosChecks() {
    }

    static List<String> verify(ChaosLedger ledger, String url, String admin, int mqttPort, String tokenDevice)
            throws Exception {
        List<String> violations = new ArrayList<>();
        Http adminHttp = new Http(url, admin);
        Http anonymous = new Http(url, null);
        for (String id : ledger.registered) {
            int status = adminHttp.get("/admin/devices/" + id).statusCode();
            if (status != 200) {
                violations.add("registration lost: " + id + " (" + status + ")");
            }
        }
        for (String token : ledger.revokedTokens) {
            var r = adminHttp.postForm("/oauth/introspect", Map.of("token", token));
            if (r.statusCode() != 200 || new JsonObject(r.body()).getBoolean("active", true)) {
                violations.add("revoked token active again (introspection " + r.statusCode() + ")");
            }
        }
        if (!ledger.revokedTokens.isEmpty()) {
            String last = ledger.revokedTokens.get(ledger.revokedTokens.size() - 1);
            if (mqttConnects(mqttPort, tokenDevice, last)) {
                violations.add("revoked token accepted by MQTT CONNECT");
            }
        }
        for (ChaosLedger.SignedLogin login : ledger.consumedLogins) {
            var r = anonymous.postJson("/siwe/login", new JsonObject().put("message", login.message())
                    .put("signature", login.signature()).encode());
            if (r.statusCode() == 200) {
                violations.add("SIWE nonce consumed before the crash accepted again");
            }
        }
        for (String refresh : ledger.rotatedRefreshTokens) {
            var r = anonymous.postForm("/oauth/token", Map.of("grant_type", "refresh_token", "refresh_token", refresh));
            if (r.statusCode() == 200) {
                violations.add("rotated refresh token accepted again");
            }
        }
        return violations;
    }

    private static boolean mqttConnects(int port, String id, String token) throws Exception {
        var client = Mqtt5Client.builder().identifier(id).serverHost("127.0.0.1").serverPort(port)
                .buildBlocking();
        try {
            client.connectWith().simpleAuth().username(id).password(token.getBytes(StandardCharsets.US_ASCII))
                    .applySimpleAuth().send();
            client.disconnect();
            return true;
        } catch (Mqtt5ConnAckException refused) {
            return false;
        }
    }

}
