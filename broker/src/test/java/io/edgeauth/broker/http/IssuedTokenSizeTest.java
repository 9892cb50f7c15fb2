package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.testsupport.InProcessBrokerTest;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.device.DeviceIdentity;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * The token endpoint never hands out a token larger than {@code tokens.maxTokenBytes}: every edge would refuse it
 * (MQTT 0x86 "oversized"), so the device got a token it could not use. The answer names the setting.
 */
@InProcessBrokerTest.Config("EDGEAUTH_TOKENS_MAX_TOKEN_BYTES=256")
class IssuedTokenSizeTest extends InProcessBrokerTest {

    @Test
    void aTokenOverTheLimitIsNotIssued() {
        DeviceIdentity device = TestDevices.register(admin, "big-1");
        HttpResponse<String> r = TestDevices.clientCredentials(anonymous, base, device, null);
        assertThat(r.statusCode()).isEqualTo(500);
        JsonObject body = new JsonObject(r.body());
        assertThat(body.getString("error")).isEqualTo("server_error");
        assertThat(body.getString("error_description")).contains("tokens.maxTokenBytes");
        assertThat(body.containsKey("access_token")).isFalse();
    }
}
