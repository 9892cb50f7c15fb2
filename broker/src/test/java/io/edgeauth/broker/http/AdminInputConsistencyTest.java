package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.provisioning.FleetPki;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.broker.testsupport.TestServices;
import io.edgeauth.device.DeviceIdentity;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin API answers alike what it answers alike elsewhere (tour Z: Z8, Z10, Z11, Z12). */
class AdminInputConsistencyTest {
    @TempDir
    static Path dir;
    static Broker broker;
    static Http admin;

    @BeforeAll
    static void start() {
        broker = Broker.start(TestBrokers.config(dir.resolve("data"), Map.of("EDGEAUTH_TENANTS",
                "[{\"id\":\"default\"},{\"id\":\"acme\"}]", "EDGEAUTH_MQTT_PORT", "-1", "EDGEAUTH_COAP_PORT", "-1")));
        admin = new Http("http://127.0.0.1:" + broker.httpPort(), broker.newAdminCredential().orElseThrow());
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private static void refused(HttpResponse<String> r, int status, String error, String text) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(new JsonObject(r.body()).getString("error")).isEqualTo(error);
        assertThat(r.body()).contains(text);
    }

    /** Z8: a subject the path API cannot address ({@code .}, {@code ..}) could be revoked, and never lifted. */
    @Test
    void aRevocationValueThePathCannotAddressIsRefused() {
        for (String value : new String[] {".", ".."}) {
            refused(admin.postJson("/admin/revocations", new JsonObject().put("sub", value).encode()), 400,
                    "invalid_request", "cannot be addressed");
        }
        assertThat(admin.postJson("/admin/revocations", "{\"sub\":\"...\"}").statusCode()).as("three dots are a name")
                .isEqualTo(201);
        assertThat(admin.delete("/admin/revocations/sub/...").statusCode()).isEqualTo(204);
    }

    /** Z11: a device id a service holds answered 400 where a service id a device holds answers 409. */
    @Test
    void aDeviceIdTakenByAServiceIsAConflict() {
        TestServices.register(admin, "aic-svc", "default", "sub:d/+/up/#");
        String body = new JsonObject().put("id", "aic-svc").put("jwk",
                new JsonObject(DeviceIdentity.generate("aic-svc").publicJwk().toJSONString())).encode();
        refused(admin.postJson("/admin/devices", body), 409, "conflict", "service");
        refused(admin.postJsonPut("/admin/devices/aic-svc", body), 409, "conflict", "service");
    }

    /** Z12: a fraction or an exponent is no whole number of seconds; a query parameter given twice; an unknown tenant. */
    @Test
    void wholeNumbersRepeatedQueryParametersAndUnknownTenantsAreRefused() {
        TestDevices.register(admin, "aic-dev");
        for (String bad : new String[] {"3600.5", "1e3", "3600.0"}) {
            refused(admin.postJson("/admin/devices/aic-dev/claim-code", "{\"ttlSeconds\":" + bad + "}"), 400,
                    "invalid_request", "ttlSeconds");
            refused(admin.postJson("/admin/devices/aic-dev/commands", "{\"topic\":\"t\",\"payload\":\"p\",\"expiresIn\":"
                    + bad + "}"), 400, "invalid_request", "expiresIn");
        }
        assertThat(admin.postJson("/admin/devices/aic-dev/claim-code", "{\"ttlSeconds\":3600}").statusCode()).isEqualTo(201);
        refused(admin.get("/admin/revocations?limit=5&limit=6"), 400, "invalid_request", "limit");
        refused(admin.get("/admin/services?tenant=default&tenant=acme"), 400, "invalid_request", "tenant");
        refused(admin.get("/admin/services?tenant=nope"), 400, "invalid_request", "unknown tenant 'nope'");
        assertThat(admin.get("/admin/services?tenant=acme").statusCode()).isEqualTo(200);
    }

    /**
     * Tour AD, AD3: a misspelt filter widened a listing in silence: {@code GET /admin/services?tenat=acme} listed every
     * tenant's services, {@code /admin/revocations?knd=sub} every kind, and {@code /admin/fleet-cas?tenant=acme} (it has
     * no filter) every tenant's CAs, where {@code GET /admin/devices} refuses a parameter it does not have.
     */
    @Test
    void aListingRefusesAParameterItDoesNotHave() {
        refused(admin.get("/admin/services?tenat=acme"), 400, "invalid_request", "unknown parameter 'tenat'");
        refused(admin.get("/admin/revocations?knd=sub"), 400, "invalid_request", "unknown parameter 'knd'");
        refused(admin.get("/admin/fleet-cas?tenant=acme"), 400, "invalid_request", "unknown parameter 'tenant'");
        assertThat(admin.get("/admin/services?tenant=acme").statusCode()).isEqualTo(200);
        assertThat(admin.get("/admin/revocations?kind=sub&limit=5").statusCode()).isEqualTo(200);
        assertThat(admin.get("/admin/fleet-cas").statusCode()).isEqualTo(200);
    }

    /** Z10: replacing a fleet CA under its id with another tenant moved it silently; its devices stayed behind. */
    @Test
    void aFleetCaIsNotMovedToAnotherTenantByAReplace() throws Exception {
        FleetPki pki = new FleetPki("aic fleet CA");
        JsonObject ca = new JsonObject().put("id", "aic-ca").put("tenant", "acme")
                .put("certificate", FleetPki.pem(pki.caCertificate()));
        assertThat(admin.postJson("/admin/fleet-cas", ca.encode()).statusCode()).isEqualTo(201);
        assertThat(admin.postJson("/admin/fleet-cas", ca.encode()).statusCode()).as("replaced in its tenant").isEqualTo(201);
        refused(admin.postJson("/admin/fleet-cas", ca.copy().put("tenant", "default").encode()), 409, "conflict",
                "new id");
        assertThat(admin.get("/admin/fleet-cas").body()).contains("\"tenant\":\"acme\"");
    }
}
