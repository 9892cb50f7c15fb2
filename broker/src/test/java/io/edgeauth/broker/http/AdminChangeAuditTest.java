package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.provisioning.FleetPki;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.LogCapture;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.broker.testsupport.TestServices;
import io.edgeauth.device.DeviceIdentity;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every successful admin change names the source address of the request that made it ({@code remote}, the format
 * {@code admin.refused} has): the trail said what changed, never from where (tour Z, Z2).
 */
class AdminChangeAuditTest {
    private static final List<String> EVENTS = List.of("device.registered", "device.deleted", "service.registered",
            "service.deleted", "revocation.created", "revocation.lifted", "fleet_ca.added", "fleet_ca.withdrawn",
            "key.rotated", "device.claim_code_issued", "device.command");

    @TempDir
    Path dir;

    @Test
    void everyAdminChangeNamesItsSourceAddress() throws Exception {
        try (LogCapture log = LogCapture.root(); Broker broker = Broker.start(TestBrokers.config(dir.resolve("data")))) {
            String base = "http://127.0.0.1:" + broker.httpPort();
            Http admin = new Http(base, broker.newAdminCredential().orElseThrow());
            TestDevices.register(admin, "ac-1");
            DeviceIdentity other = DeviceIdentity.generate("ac-bulk");
            byte[] line = (new JsonObject().put("id", "ac-bulk").put("jwk", new JsonObject(other.publicJwk().toJSONString()))
                    .encode() + "\n").getBytes(StandardCharsets.UTF_8);
            assertThat(admin.postRaw("/admin/devices:bulk", "application/x-ndjson", line).statusCode()).isEqualTo(200);
            assertThat(admin.postJson("/admin/devices/ac-1/claim-code", "{}").statusCode()).isEqualTo(201);
            assertThat(admin.postJson("/admin/devices/ac-1/commands", "{\"topic\":\"x\",\"payload\":\"1\"}").statusCode())
                    .isEqualTo(202);
            assertThat(admin.delete("/admin/devices/ac-1").statusCode()).isEqualTo(204);
            TestServices.register(admin, "ac-svc", "default", "sub:d/+/up/#");
            assertThat(admin.delete("/admin/services/ac-svc").statusCode()).isEqualTo(204);
            assertThat(admin.postJson("/admin/revocations", "{\"sub\":\"ac-x\",\"reason\":\"t\"}").statusCode()).isEqualTo(201);
            assertThat(admin.delete("/admin/revocations/sub/ac-x").statusCode()).isEqualTo(204);
            FleetPki pki = new FleetPki("ac fleet CA");
            assertThat(admin.postJson("/admin/fleet-cas", new JsonObject().put("id", "ac-ca")
                    .put("certificate", FleetPki.pem(pki.caCertificate())).encode()).statusCode()).isEqualTo(201);
            assertThat(admin.delete("/admin/fleet-cas/ac-ca").statusCode()).isEqualTo(204);
            assertThat(admin.postJson("/admin/keys/rotate", "{}").statusCode()).isEqualTo(200);

            Awaitility.await().untilAsserted(() -> assertThat(seen(log, null)).containsAll(EVENTS));
            Set<String> withRemote = seen(log, "\"remote\":\"127.0.0.1:");
            assertThat(withRemote).as("admin events with remote").containsAll(EVENTS);
            assertThat(log.events().stream().map(ILoggingEvent::getFormattedMessage)
                    .filter(m -> m.contains("\"channel\":\"bulk\"")).toList())
                    .as("the bulk import's line too").singleElement().asString().contains("\"remote\":\"127.0.0.1:");
        }
    }

    /** The names of the audit events captured that contain {@code needle} (null: all). */
    private static Set<String> seen(LogCapture log, String needle) {
        Set<String> out = new TreeSet<>();
        for (ILoggingEvent e : log.events()) {
            String m = e.getFormattedMessage();
            if (e.getLoggerName().equals("audit") && (needle == null || m.contains(needle))) {
                out.add(new JsonObject(m).getString("event"));
            }
        }
        return out;
    }
}
