package io.edgeauth.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.edgeauth.broker.provisioning.FleetPki;
import io.edgeauth.broker.provisioning.ZeroTouchTest;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.LogCapture;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.broker.testsupport.TestServices;
import io.edgeauth.device.DeviceIdentity;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tenant removed from the config while its devices, services and fleet CAs stay stored (tour Z, Z9): start-up warns
 * naming it with what it still holds; its principals' token requests are refused 401 {@code invalid_client} and
 * audited as {@code token.refused} ({@code wrong_tenant}), never a 500; an admin command to its device is refused; a
 * token issued before the removal does not connect.
 */
class UnconfiguredTenantTest {
    private static final String TWO = "[{\"id\":\"default\"},{\"id\":\"acme\"}]";

    @TempDir
    Path dir;

    @Test
    void aRemovedTenantsRecordsAreNamedAtStartAndRefusedWithAReason() throws Exception {
        Path data = dir.resolve("data");
        DeviceIdentity device;
        DeviceIdentity service;
        String heldToken;
        String credential;
        FleetPki pki = new FleetPki("acme fleet CA");
        try (Broker broker = Broker.start(TestBrokers.config(data, Map.of("EDGEAUTH_TENANTS", TWO)))) {
            String base = "http://localhost:" + broker.httpPort();
            credential = broker.newAdminCredential().orElseThrow();
            Http admin = new Http(base, credential);
            device = TestDevices.register(admin, "ut-pump", "acme");
            TestDevices.register(admin, "ut-other", "default");
            service = TestServices.register(admin, "ut-svc", "acme", "sub:d/+/up/#");
            assertThat(admin.postJson("/admin/fleet-cas", new JsonObject().put("id", "ut-ca").put("tenant", "acme")
                    .put("certificate", FleetPki.pem(pki.caCertificate())).encode()).statusCode()).isEqualTo(201);
            heldToken = TestDevices.token(new Http(base, null), base, device);
        }
        try (LogCapture log = LogCapture.root();
             Broker broker = Broker.start(TestBrokers.config(data, Map.of("EDGEAUTH_TENANTS", "[{\"id\":\"default\"}]")))) {
            List<String> warnings = log.withoutAudit().stream().filter(e -> e.getLevel() == Level.WARN)
                    .map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains("'acme'")).toList();
            assertThat(warnings).as("a WARN naming the tenant and what it still holds").hasSize(1);
            assertThat(warnings.get(0)).contains("1 device").contains("1 service").contains("1 fleet CA")
                    .contains("not configured");

            String base = "http://localhost:" + broker.httpPort();
            Http anonymous = new Http(base, null);
            Http admin = new Http(base, credential);
            HttpResponse<String> d = TestDevices.clientCredentials(anonymous, base, device, null);
            assertThat(d.statusCode()).as(d.body()).isEqualTo(401);
            assertThat(new JsonObject(d.body()).getString("error")).isEqualTo("invalid_client");
            assertThat(d.body()).contains("wrong_tenant").contains("tenant 'acme' is not configured");
            HttpResponse<String> s = TestServices.clientCredentials(anonymous, base, service, null);
            assertThat(s.statusCode()).as(s.body()).isEqualTo(401);
            assertThat(s.body()).contains("tenant 'acme' is not configured");
            // a new device of the tenant's fleet CA is not enrolled into it
            FleetPki.Issued fresh = pki.device("ut-fresh");
            HttpResponse<String> z = anonymous.postForm("/oauth/token", Map.of("grant_type", "client_credentials",
                    "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    "client_assertion", ZeroTouchTest.assertion(broker.config().publicUrl() + "/oauth/token",
                            "ut-fresh", fresh.keys().getPrivate(), List.of(fresh.cert()))));
            assertThat(z.statusCode()).as(z.body()).isEqualTo(401);
            assertThat(broker.registry().find("ut-fresh")).as("no record created in the unconfigured tenant").isEmpty();

            List<String> refused = log.events().stream().filter(e -> e.getLoggerName().equals("audit"))
                    .map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains("\"token.refused\"")).toList();
            assertThat(refused).anyMatch(m -> m.contains("\"ut-pump\"") && m.contains("wrong_tenant"));
            assertThat(refused).anyMatch(m -> m.contains("\"ut-svc\"") && m.contains("wrong_tenant"));

            HttpResponse<String> c = admin.postJson("/admin/devices/ut-pump/commands", "{\"topic\":\"x\",\"payload\":\"1\"}");
            assertThat(c.statusCode()).as(c.body()).isEqualTo(409);
            assertThat(c.body()).contains("tenant 'acme' is not configured");

            assertThatThrownBy(() -> TestDevices.connectMqtt(broker.mqttPort(), "ut-pump", heldToken))
                    .as("a token issued before the removal").isNotNull();
            assertThat(log.withoutAudit()).as("no failure logged").noneMatch(e -> e.getLevel() == Level.ERROR);
        }
    }
}
