package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWEObject;
import io.edgeauth.broker.testsupport.InProcessBrokerTest;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.device.DeviceIdentity;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, encryption-key rotation through the admin API: {@code POST /admin/keys/rotate {"use":"enc"}}
 * makes a new key the one encrypted tokens are sealed to; a token sealed before still introspects and
 * connects over MQTT; the signing key is untouched; a bad {@code use} is refused.
 */
class EncryptionKeyRotationApiTest extends InProcessBrokerTest {

    private static String jweToken(DeviceIdentity device) {
        Map<String, String> form = new HashMap<>(Map.of("grant_type", "client_credentials", "token_format", "jwe",
                "client_assertion_type", io.edgeauth.device.ClientAssertions.ASSERTION_TYPE,
                "client_assertion", TestDevices.assertion(base, device)));
        HttpResponse<String> r = anonymous.postForm("/oauth/token", form);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new JsonObject(r.body()).getString("access_token");
    }

    @Test
    void rotatingTheEncryptionKeySealsNewTokensToItAndOldOnesStillWork() throws Exception {
        DeviceIdentity device = TestDevices.register(admin, "enc-rot");
        String before = jweToken(device);
        String jwksBefore = anonymous.get("/.well-known/jwks.json").body();

        HttpResponse<String> r = admin.postJson("/admin/keys/rotate", "{\"tenant\":\"default\",\"use\":\"enc\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonObject answer = new JsonObject(r.body());
        assertThat(answer.getString("use")).isEqualTo("enc");
        String kid = answer.getString("kid");
        assertThat(JWEObject.parse(before).getHeader().getKeyID()).isNotEqualTo(kid);

        String after = jweToken(device);
        assertThat(JWEObject.parse(after).getHeader().getKeyID()).isEqualTo(kid);
        assertThat(TestDevices.active(admin, before)).as("sealed to the former key").isTrue();
        assertThat(TestDevices.active(admin, after)).isTrue();
        TestDevices.connectMqtt(broker.mqttPort(), "enc-rot", before);
        assertThat(anonymous.get("/.well-known/jwks.json").body()).as("the signing keys are untouched")
                .isEqualTo(jwksBefore);
    }

    @Test
    void anUnknownUseIsRefused() {
        assertThat(admin.postJson("/admin/keys/rotate", "{\"use\":\"wrap\"}").statusCode()).isEqualTo(400);
        assertThat(admin.postJson("/admin/keys/rotate", "{\"use\":7}").statusCode()).isEqualTo(400);
        assertThat(admin.postJson("/admin/keys/rotate", "{\"use\":\"enc\",\"tenant\":\"nobody\"}").statusCode())
                .isEqualTo(400);
        assertThat(anonymous.postJson("/admin/keys/rotate", "{\"use\":\"enc\"}").statusCode()).isEqualTo(401);
    }
}
