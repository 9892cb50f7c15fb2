package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.FreePorts;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.device.DeviceIdentity;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verification cache kept across a clean restart: devices returning with the tokens they held connect without a
 * second signature check, and everything else is still checked: a device revoked before the restart stays refused.
 */
class VerificationsAcrossRestartTest {
    @TempDir
    Path dataDir;

    @Test
    void returningDevicesSkipOnlyTheSignatureCheck() throws IOException {
        Map<String, String> env = Map.of("EDGEAUTH_HTTP_PORT", Integer.toString(FreePorts.tcp())); // the same issuer URL
        String kept;
        String revoked;
        String credential;
        try (Broker before = Broker.start(TestBrokers.config(dataDir, env))) {
            String base = "http://localhost:" + before.httpPort();
            credential = before.newAdminCredential().orElseThrow(); // shown once, kept in the data directory
            Http admin = new Http(base, credential);
            Http anonymous = new Http(base, null);
            DeviceIdentity one = TestDevices.register(admin, "restart-1");
            DeviceIdentity two = TestDevices.register(admin, "restart-2");
            kept = TestDevices.token(anonymous, base, one);
            revoked = TestDevices.token(anonymous, base, two);
            TestDevices.connectMqtt(before.mqttPort(), "restart-1", kept);
            TestDevices.connectMqtt(before.mqttPort(), "restart-2", revoked);
            assertThat(admin.postJson("/admin/revocations", new JsonObject().put("sub", "restart-2").encode())
                    .statusCode()).isBetween(200, 204);
        }
        assertThat(dataDir.resolve("verified-tokens.bin")).exists();
        assertThat(Files.size(dataDir.resolve("verified-tokens.bin"))).isGreaterThan(2 * 32);

        try (Broker after = Broker.start(TestBrokers.config(dataDir, env))) {
            Http admin = new Http("http://localhost:" + after.httpPort(), credential);
            assertThat(metric(admin, "edgeauth_token_verification_restored_waiting")).isEqualTo(2.0);
            TestDevices.connectMqtt(after.mqttPort(), "restart-1", kept);
            assertThatThrownBy(() -> TestDevices.connectMqtt(after.mqttPort(), "restart-2", revoked))
                    .hasMessageContaining("NOT_AUTHORIZED");
            assertThat(metric(admin, "edgeauth_token_verification_restored_hits_total")).isEqualTo(2.0);
            assertThat(metric(admin, "edgeauth_token_verification_restored_waiting")).isZero();
        }
    }

    private static double metric(Http admin, String name) {
        String text = admin.get("/metrics").body();
        Matcher m = Pattern.compile("(?m)^" + name + "(?:\\{[^}]*\\})? (\\S+)$").matcher(text);
        assertThat(m.find()).as(name + " in /metrics").isTrue();
        return Double.parseDouble(m.group(1));
    }

}
