package io.edgeauth.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.testsupport.BrokerProcess;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the broker as a separate JVM, registers a device and revokes, kills the process with SIGKILL
 * (no shutdown hook, no store close) and shows that a restarted broker still has both in force.
 */
class BrokerCrashRecoveryTest {
    @TempDir
    Path dataDir;

    @Test
    void registrationsAndRevocationsSurviveKill9() throws Exception {
        BrokerProcess first = startBroker();
        Http admin = new Http(first.url(), first.admin());
        assertThat(admin.postJson("/admin/devices", "{\"id\":\"crash-dev\",\"x5tS256\":\"" + "Q".repeat(43) + "\"}")
                .statusCode()).isEqualTo(201);
        assertThat(admin.postJson("/admin/revocations", "{\"jti\":\"jti-lost\",\"reason\":\"test\"}").statusCode())
                .isEqualTo(201);
        assertThat(admin.postJson("/admin/revocations", "{\"sub\":\"crash-dev\"}").statusCode()).isEqualTo(201);

        first.process().destroyForcibly(); // SIGKILL on Linux
        assertThat(first.process().waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(first.process().exitValue()).isEqualTo(137);

        BrokerProcess second = startBroker();
        try {
            assertThat(second.admin()).as("the admin credential is kept, not regenerated").isNull();
            Http anon = new Http(second.url(), null);
            JsonObject health = new JsonObject(anon.get("/health").body());
            assertThat(health.getInteger("devices")).isEqualTo(1);
            assertThat(health.getInteger("revocations")).isEqualTo(2);
            Http admin2 = new Http(second.url(), first.admin());
            assertThat(admin2.get("/admin/devices/crash-dev").statusCode()).isEqualTo(200);
        } finally {
            second.close();
        }
    }

    private BrokerProcess startBroker() throws Exception {
        return BrokerProcess.start(TestBrokers.env(dataDir, Map.of("EDGEAUTH_MQTT_PORT", "-1", "EDGEAUTH_COAP_PORT", "-1")),
                List.of(), ProcessBuilder.Redirect.INHERIT);
    }
}
