package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import io.edgeauth.broker.testsupport.InProcessBrokerTest;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.broker.testsupport.TestServices;
import io.edgeauth.device.ClientAssertions;
import io.edgeauth.device.DeviceIdentity;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, service principals over HTTP: {@code /admin/services} (register, list, get, delete; hostile bodies;
 * ids disjoint from devices and DIDs) and the service's {@code client_credentials} grant (exact scopes,
 * {@code invalid_scope} beyond its grants, revocation).
 */
class ServiceClientApiTest extends InProcessBrokerTest {
    static final String[] GRANTS = {"sub:d/+/up/#", "pub:d/+/down/#"};

    static JsonObject body(HttpResponse<String> r) {
        return new JsonObject(r.body());
    }

    static JsonObject introspect(String token) {
        return body(admin.postForm("/oauth/introspect", Map.of("token", token)));
    }

    @Test
    void anOperatorRegistersListsReadsAndDeletesAService() {
        DeviceIdentity key = DeviceIdentity.generate("sc-crud");
        HttpResponse<String> created = admin.postJson("/admin/services",
                TestServices.registration(key, "default", GRANTS).encode());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.headers().firstValue("location")).as("RFC 9110 §15.3.2").contains("/admin/services/sc-crud");
        assertThat(body(created).getJsonArray("grants")).containsExactly((Object[]) GRANTS);
        assertThat(body(created).getJsonObject("jwks").getJsonArray("keys")).hasSize(1);
        assertThat(created.body()).doesNotContain("\"d\"");

        assertThat(admin.get("/admin/services/sc-crud").statusCode()).isEqualTo(200);
        assertThat(body(admin.get("/admin/services?tenant=default")).getJsonArray("services").stream()
                .map(o -> ((JsonObject) o).getString("id"))).contains("sc-crud");
        // a tenant the config does not name: 400, as keys/rotate answers (an empty list until tour Z, Z12)
        assertThat(admin.get("/admin/services?tenant=nobody").statusCode()).isEqualTo(400);
        assertThat(admin.postJson("/admin/services", TestServices.registration(key, "default", GRANTS).encode())
                .statusCode()).as("the id is taken").isEqualTo(409);

        assertThat(admin.delete("/admin/services/sc-crud").statusCode()).isEqualTo(204);
        assertThat(admin.get("/admin/services/sc-crud").statusCode()).isEqualTo(404);
        assertThat(admin.delete("/admin/services/sc-crud").statusCode()).isEqualTo(404);
    }

    @Test
    void theAdminApiForServicesNeedsTheAdminCredential() {
        DeviceIdentity key = DeviceIdentity.generate("sc-anon");
        assertThat(anonymous.postJson("/admin/services", TestServices.registration(key, "default", GRANTS).encode())
                .statusCode()).isEqualTo(401);
        assertThat(anonymous.get("/admin/services").statusCode()).isEqualTo(401);
        assertThat(anonymous.delete("/admin/services/x").statusCode()).isEqualTo(401);
    }

    @Test
    void hostileRegistrationsAreRefusedNamingTheField() throws Exception {
        DeviceIdentity key = DeviceIdentity.generate("sc-hostile");
        JsonObject good = TestServices.registration(key, "default", GRANTS);
        Map<String, JsonObject> bad = Map.ofEntries(
                Map.entry("unknown field", good.copy().put("owner", "x")),
                Map.entry("grants", good.copy().put("grants", new JsonArray(List.of("pub:d/#/down")))),
                Map.entry("device telemetry", good.copy().put("grants", new JsonArray(List.of("pub:#")))),
                Map.entry("shared subscription", good.copy().put("grants", new JsonArray(List.of("sub:$share/g/d/+/up/#")))),
                Map.entry("no grants", good.copy().put("grants", new JsonArray())),
                Map.entry("grant type", good.copy().put("grants", new JsonArray(List.of(7)))),
                Map.entry("too many grants", good.copy().put("grants", new JsonArray(java.util.Collections.nCopies(33, "sub:a")))),
                Map.entry("tenant", good.copy().put("tenant", "globex")),
                Map.entry("rate plan", good.copy().put("ratePlan", "platinum")),
                Map.entry("DID id", good.copy().put("id", "did:pkh:eip155:1:0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359")),
                Map.entry("wildcard id", good.copy().put("id", "svc/+")),
                Map.entry("id type", good.copy().put("id", 12)),
                Map.entry("private key", good.copy().put("jwk", new JsonObject(new ECKeyGenerator(Curve.P_256).generate().toJSONString()))),
                Map.entry("symmetric key", good.copy().put("jwk", new JsonObject().put("kty", "oct").put("k", "AAAA"))),
                Map.entry("both credentials", good.copy().put("jwks", new JsonObject().put("keys", new JsonArray()))),
                Map.entry("no credential", good.copy().put("jwk", (Object) null)),
                Map.entry("jwks shape", good.copy().put("jwk", (Object) null).put("jwks", new JsonArray())));
        bad.forEach((what, request) -> {
            HttpResponse<String> r = admin.postJson("/admin/services", request.encode());
            assertThat(r.statusCode()).as(what + ": " + r.body()).isEqualTo(400);
            assertThat(body(r).getString("error")).isEqualTo("invalid_request");
        });
        assertThat(admin.postJson("/admin/services", "[1,2]").statusCode()).isEqualTo(400);
        assertThat(admin.postJson("/admin/services", "{\"id\":").statusCode()).isEqualTo(400);
        assertThat(admin.postJson("/admin/services", "{\"id\":\"" + "a".repeat(70_000) + "\"}").statusCode())
                .as("over the 64 KiB body cap").isEqualTo(413);
        assertThat(admin.get("/admin/services/sc-hostile").statusCode()).as("nothing was registered").isEqualTo(404);
    }

    @Test
    void serviceAndDeviceIdsAreDisjointBothWays() {
        TestDevices.register(admin, "sc-shared-dev");
        HttpResponse<String> asService = admin.postJson("/admin/services",
                TestServices.registration(DeviceIdentity.generate("sc-shared-dev"), "default", GRANTS).encode());
        assertThat(asService.statusCode()).as(asService.body()).isEqualTo(409);

        TestServices.register(admin, "sc-shared-svc", "default", GRANTS);
        DeviceIdentity device = DeviceIdentity.generate("sc-shared-svc");
        HttpResponse<String> asDevice = admin.postJson("/admin/devices", new JsonObject().put("id", "sc-shared-svc")
                .put("jwk", new JsonObject(device.publicJwk().toJSONString())).encode());
        assertThat(asDevice.statusCode()).as("409, as the service side answers (400 until tour Z, Z11)")
                .isEqualTo(409);
        assertThat(body(asDevice).getString("error_description")).contains("service");
        HttpResponse<String> bulk = admin.postRaw("/admin/devices:bulk", "application/x-ndjson",
                new JsonObject().put("id", "sc-shared-svc").put("jwk", new JsonObject(device.publicJwk().toJSONString()))
                        .encode().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(bulk.body()).contains("taken by a service client");
        assertThat(admin.get("/admin/devices/sc-shared-svc").statusCode()).as("bulk import: " + bulk.body())
                .isEqualTo(404);
    }

    @Test
    void aServiceGetsATokenWithExactlyItsGrants() {
        DeviceIdentity service = TestServices.register(admin, "sc-token", "default", GRANTS);
        HttpResponse<String> r = TestServices.clientCredentials(anonymous, base, service, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(body(r).getString("scope")).isEqualTo("sub:d/+/up/# pub:d/+/down/#");
        JsonObject claims = introspect(body(r).getString("access_token"));
        assertThat(claims.getBoolean("active")).isTrue();
        assertThat(claims.getString("sub")).isEqualTo("sc-token");
        assertThat(claims.getString("tenant_id")).isEqualTo("default");
        assertThat(claims.getJsonObject("cnf").getString("jkt")).isEqualTo(service.thumbprint());
    }

    @Test
    void requestedScopesNarrowTheGrantsAndABroaderRequestIsRefusedNotNarrowed() {
        DeviceIdentity service = TestServices.register(admin, "sc-scope", "default", GRANTS);
        HttpResponse<String> narrow = TestServices.clientCredentials(anonymous, base, service, "pub:d/pump-7/down/#");
        assertThat(narrow.statusCode()).as(narrow.body()).isEqualTo(200);
        assertThat(body(narrow).getString("scope")).isEqualTo("pub:d/pump-7/down/#");

        for (String beyond : List.of("pub:d/+/down/# sub:#", "pub:ops/x", "sub:d/+/down/#", "introspect",
                "pub:d/+/up/x", "pubsub:d/+/down/#", "sub:d/#/up", "x ".repeat(40))) {
            HttpResponse<String> r = TestServices.clientCredentials(anonymous, base, service, beyond);
            assertThat(r.statusCode()).as(beyond + ": " + r.body()).isEqualTo(400);
            assertThat(body(r).getString("error")).isEqualTo("invalid_scope");
        }
    }

    @Test
    void aServiceWithSeveralKeysSignsWithAnyOfThemByKid() throws Exception {
        DeviceIdentity first = DeviceIdentity.generate("sc-jwks");
        DeviceIdentity second = DeviceIdentity.generate("sc-jwks");
        ECKey stranger = new ECKeyGenerator(Curve.P_256).keyID("other").generate();
        JsonArray keys = new JsonArray();
        for (DeviceIdentity k : List.of(first, second)) {
            keys.add(new JsonObject(k.publicJwk().toJSONString()).put("kid", k.thumbprint()));
        }
        keys.add(new JsonObject(stranger.toPublicJWK().toJSONString()));
        HttpResponse<String> created = admin.postJson("/admin/services", new JsonObject().put("id", "sc-jwks")
                .put("jwks", new JsonObject().put("keys", keys)).put("grants", new JsonArray(List.of(GRANTS))).encode());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(TestServices.clientCredentials(anonymous, base, first, null).statusCode()).isEqualTo(200);
        assertThat(TestServices.clientCredentials(anonymous, base, second, null).statusCode()).isEqualTo(200);
        DeviceIdentity unregistered = DeviceIdentity.generate("sc-jwks");
        assertThat(TestServices.clientCredentials(anonymous, base, unregistered, null).statusCode()).isEqualTo(401);
    }

    @Test
    void aRevokedOrDeletedServiceGetsNoToken() {
        DeviceIdentity service = TestServices.register(admin, "sc-revoked", "default", GRANTS);
        String before = TestServices.token(anonymous, base, service, null);
        assertThat(admin.postJson("/admin/revocations", new JsonObject().put("sub", "sc-revoked").encode())
                .statusCode()).isEqualTo(201);
        HttpResponse<String> refused = TestServices.clientCredentials(anonymous, base, service, null);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(401);
        assertThat(body(refused).getString("error_description")).contains("revoked");
        assertThat(introspect(before).getBoolean("active")).isFalse();

        DeviceIdentity gone = TestServices.register(admin, "sc-deleted", "default", GRANTS);
        String token = TestServices.token(anonymous, base, gone, null);
        assertThat(admin.delete("/admin/services/sc-deleted").statusCode()).isEqualTo(204);
        assertThat(introspect(token).getBoolean("active")).isFalse();
        assertThat(TestServices.clientCredentials(anonymous, base, gone, null).statusCode()).isEqualTo(401);
    }

    @Test
    void aServiceAssertionSignedByAnotherKeyIsRefused() {
        TestServices.register(admin, "sc-forged", "default", GRANTS);
        DeviceIdentity forger = DeviceIdentity.generate("sc-forged");
        HttpResponse<String> r = anonymous.postForm("/oauth/token", Map.of("grant_type", "client_credentials",
                "client_assertion_type", ClientAssertions.ASSERTION_TYPE,
                "client_assertion", ClientAssertions.builder(forger).audience(base + "/oauth/token").build().create()));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
        assertThat(body(r).getString("error")).isEqualTo("invalid_client");
    }
}
