package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin API over real HTTP against an in-process broker. */
class AdminApiTest {
    @TempDir
    static Path dataDir;
    static Broker broker;
    static Http admin;
    static Http anonymous;

    @BeforeAll
    static void start() {
        broker = Broker.start(TestBrokers.config(dataDir));
        String url = "http://127.0.0.1:" + broker.httpPort();
        admin = new Http(url, broker.newAdminCredential().orElseThrow());
        anonymous = new Http(url, null);
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    /** A Prometheus user reads what a series counts in its HELP line: 14 of the broker's had none. */
    @Test
    void everyBrokerMetricSaysWhatItCounts() {
        java.util.List<String> silent = anonymous.get("/metrics").body().lines()
                .filter(l -> l.startsWith("# HELP edgeauth_") && l.substring("# HELP ".length()).trim().indexOf(' ') < 0)
                .toList();
        assertThat(silent).isEmpty();
    }

    /**
     * A client may send any token as its method: each one made a new series of {@code edgeauth_http_requests_seconds}
     * (and 16 bucket lines), so a few thousand requests could bloat {@code /metrics} and the registry without bound.
     */
    @Test
    void unknownMethodsShareOneSeries() throws Exception {
        for (String method : java.util.List.of("FOO1", "FOO2", "BREW")) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", broker.httpPort())) {
                s.getOutputStream().write((method + " /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                s.setSoTimeout(5_000);
                assertThat(new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII))
                        .startsWith("HTTP/1.1 ");
            }
        }
        String metrics = anonymous.get("/metrics").body();
        assertThat(metrics).doesNotContain("FOO1").doesNotContain("BREW")
                .contains("edgeauth_http_requests_seconds_count{method=\"other\"");
    }

    /** An alert on "no MQTT session" needs the series before the first session: it appeared with it. */
    @Test
    void theMqttSessionGaugeIsThereBeforeAnySession() {
        assertThat(anonymous.get("/metrics").body())
                .contains("edgeauth_mqtt_sessions{protocol=\"mqtt\",tenant=\"default\"} 0.0");
    }

    @Test
    void refusesWithoutTheAdminCredential() {
        assertThat(anonymous.get("/admin/devices/x").statusCode()).isEqualTo(401);
        assertThat(new Http("http://127.0.0.1:" + broker.httpPort(), "ea_admin_wrong").get("/admin/devices/x").statusCode())
                .isEqualTo(401);
        assertThat(new JsonObject(anonymous.get("/admin/devices/x").body()).getString("error")).isEqualTo("invalid_token");
        assertThat(anonymous.get("/metrics").body()).as("timed under the admin check's pattern, not '/admin/'")
                .contains("route=\"/admin/*\",status=\"401\"");
    }

    @Test
    void registersGetsReplacesAndDeletesADevice() {
        String body = "{\"id\":\"adm-1\",\"x5tS256\":\"" + "A".repeat(43) + "\",\"region\":[\"u33d\"]}";
        assertThat(admin.postJson("/admin/devices", body).statusCode()).isEqualTo(201);
        assertThat(admin.postJson("/admin/devices", body).statusCode()).isEqualTo(409);
        JsonObject got = new JsonObject(admin.get("/admin/devices/adm-1").body());
        assertThat(got.getString("tenant")).isEqualTo("default");
        assertThat(got.getJsonArray("region").getList()).containsExactly("u33d");
        var replaced = admin.postJsonPut("/admin/devices/adm-1", "{\"x5tS256\":\"" + "B".repeat(43) + "\"}");
        assertThat(replaced.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(replaced.body()).getString("createdAt")).as("a replaced record keeps its creation time")
                .isEqualTo(got.getString("createdAt"));
        assertThat(admin.delete("/admin/devices/adm-1").statusCode()).isEqualTo(204);
        assertThat(admin.get("/admin/devices/adm-1").statusCode()).isEqualTo(404);
        assertThat(admin.delete("/admin/devices/adm-1").statusCode()).isEqualTo(404);
    }

    /**
     * RFC 9110 §9.3.4: a PUT that creates answers 201 (it answered 200), one that replaces 200; a 201 names what it
     * created in Location. A body whose id contradicts the path is refused naming both (the path's id silently won,
     * so a PUT to the wrong URL replaced the wrong device).
     */
    @Test
    void putCreatesWith201ReplacesWith200AndRefusesAnIdThatContradictsThePath() {
        String x5t = "\"x5tS256\":\"" + "C".repeat(43) + "\"";
        var created = admin.postJsonPut("/admin/devices/put-1", "{\"id\":\"put-1\"," + x5t + "}");
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(created.headers().firstValue("location")).contains("/admin/devices/put-1");
        assertThat(admin.postJsonPut("/admin/devices/put-1", "{" + x5t + "}").statusCode()).isEqualTo(200);
        var contradicts = admin.postJsonPut("/admin/devices/put-1", "{\"id\":\"put-2\"," + x5t + "}");
        assertThat(contradicts.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(contradicts.body()).getString("error_description")).contains("'put-2'").contains("'put-1'");
        assertThat(admin.get("/admin/devices/put-2").statusCode()).isEqualTo(404);
        var posted = admin.postJson("/admin/devices", "{\"id\":\"put-3\"," + x5t + "}");
        assertThat(posted.statusCode()).isEqualTo(201);
        assertThat(posted.headers().firstValue("location")).contains("/admin/devices/put-3");
    }

    @Test
    void hostileBodiesGetClearErrors() {
        assertThat(admin.postJson("/admin/devices", "{").statusCode()).isEqualTo(400);
        assertThat(admin.postJson("/admin/devices", "").statusCode()).as("no body").isEqualTo(400);
        assertThat(admin.postJson("/admin/devices", "[]").statusCode()).isEqualTo(400);
        assertThat(admin.postJson("/admin/devices", "{\"id\":\"../../etc\",\"x5tS256\":\"x\"}").body())
                .contains("invalid_request").contains("id:");
        assertThat(admin.postJson("/admin/devices", "{\"id\":\"big\",\"x5tS256\":\"" + "A".repeat(70_000) + "\"}")
                .statusCode()).isEqualTo(413);
        assertThat(admin.postJson("/admin/revocations", "{\"jti\":\"a\",\"sub\":\"b\"}").statusCode()).isEqualTo(400);
        assertThat(admin.postJson("/admin/revocations", "{\"jti\":42}").statusCode()).isEqualTo(400);
        assertThat(anonymous.get("/nope").statusCode()).isEqualTo(404);
    }

    /**
     * A key named twice in one JSON object: a proxy or an audit reader may take the first, the broker took the last
     * ({"id":"d9","id":"d10"} created d10). Refused as the form endpoints refuse a repeated parameter.
     */
    @Test
    void aKeyNamedTwiceInABodyIsRefused() {
        var twice = admin.postJson("/admin/devices", "{\"id\":\"dup-9\",\"id\":\"dup-10\",\"x5tS256\":\""
                + "A".repeat(43) + "\"}");
        assertThat(twice.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(twice.body()).getString("error_description")).contains("duplicate key 'id'");
        assertThat(admin.get("/admin/devices/dup-10").statusCode()).isEqualTo(404);
        var nested = admin.postJson("/admin/revocations", "{\"sub\":\"dup-11\",\"reason\":{\"a\":1,\"a\":2}}");
        assertThat(nested.statusCode()).as("nested too").isEqualTo(400);
        assertThat(nested.body()).contains("duplicate key 'a'");
        assertThat(admin.postJson("/admin/keys/rotate", "{\"tenant\":\"default\",\"tenant\":\"default\"}")
                .statusCode()).isEqualTo(400);
    }

    /**
     * A misspelt field is refused, naming it, on every admin JSON endpoint: {"tenat":"acme"} rotated the default
     * tenant's signing key, as did a tenant that is not a string.
     */
    @Test
    void unknownFieldsAndANonStringTenantAreRefusedNamingTheField() {
        Map<String, String[]> refused = new java.util.LinkedHashMap<>();
        refused.put("/admin/keys/rotate", new String[] {"{\"tenat\":\"default\"}", "unknown field 'tenat'"});
        refused.put("/admin/geo/cover", new String[] {"{\"lat\":52,\"lon\":13.4,\"radiusMeters\":500,\"x\":1}",
                "unknown field 'x'"});
        refused.put("/admin/revocations", new String[] {"{\"sub\":\"zz\",\"reason\":\"t\",\"foo\":1}",
                "unknown field 'foo'"});
        refused.put("/admin/tls/reload", new String[] {"{\"listener\":\"mqtt\"}", "unknown field 'listener'"});
        refused.put("/admin/services", new String[] {"{\"id\":\"svc-x\",\"grants\":[\"sub:a\"],\"owner\":\"x\"}",
                "unknown field 'owner'"});
        refused.put("/admin/devices/adm-x/commands", new String[] {"{\"topic\":\"t\",\"payload\":\"p\",\"retain\":true}",
                "unknown field 'retain'"});
        refused.forEach((path, request) -> {
            var r = admin.postJson(path, request[0]);
            assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(400);
            assertThat(new JsonObject(r.body()).getString("error")).isEqualTo("invalid_request");
            assertThat(new JsonObject(r.body()).getString("error_description")).as(path).contains(request[1]);
        });
        assertThat(admin.get("/admin/revocations/sub/zz").statusCode()).as("nothing revoked").isEqualTo(404);
        var tenant = admin.postJson("/admin/keys/rotate", "{\"tenant\":[\"default\"]}");
        assertThat(tenant.statusCode()).as(tenant.body()).isEqualTo(400);
        assertThat(tenant.body()).contains("tenant:");
        assertThat(admin.postJson("/admin/keys/rotate", "{\"tenant\":\"default\"}").statusCode()).isEqualTo(200);
        assertThat(admin.postJson("/admin/tls/reload", "").statusCode()).as("no body: no TLS listener here").isEqualTo(409);
    }

    @Test
    void aCommandsExpiresInMustBeWholeSecondsWithinMqttsRange() {
        for (String bad : new String[] {"0", "-1", "1.5", "\"10\"", "4294967296", "true"}) {
            var r = admin.postJson("/admin/devices/adm-x/commands", "{\"topic\":\"t\",\"payload\":\"p\",\"expiresIn\":"
                    + bad + "}");
            assertThat(r.statusCode()).as(bad + ": " + r.body()).isEqualTo(400);
            assertThat(new JsonObject(r.body()).getString("error_description")).as(bad).startsWith("expiresIn:");
        }
    }

    @Test
    void coversACircleWithGeoHashCells() {
        JsonObject cover = new JsonObject(admin.postJson("/admin/geo/cover",
                "{\"lat\":48.8566,\"lon\":2.3522,\"radiusMeters\":5000,\"maxCells\":32}").body());
        assertThat(cover.getJsonArray("cells")).isNotEmpty().hasSizeLessThanOrEqualTo(32);
        assertThat(cover.getDouble("overCoverage")).isGreaterThanOrEqualTo(1.0);
        assertThat(admin.postJson("/admin/geo/cover", "{\"lat\":91,\"lon\":0,\"radiusMeters\":5}").body())
                .contains("invalid_request");
    }

    @Test
    void revocationsAreCreated() {
        // a kid no key of the broker has names its issuer (tour X, X2): here the broker's own
        String iss = new JsonObject(anonymous.get("/.well-known/openid-configuration").body()).getString("issuer");
        JsonObject r = new JsonObject(admin.postJson("/admin/revocations", new JsonObject().put("kid", "k1")
                .put("iss", iss).put("reason", "leak").encode()).body());
        assertThat(r.getString("kind")).isEqualTo("kid");
        assertThat(r.getString("keepUntil")).isNotBlank();
    }

    /**
     * The answer to a revocation has the fields a GET of it has ({@code issuedUpTo}, {@code reason}: it had only
     * {@code revokedAt}, which stays for the clients revocation.md documents it to).
     */
    @Test
    void aRevocationIsAnsweredAsAGetOfItIs() {
        JsonObject posted = new JsonObject(admin.postJson("/admin/revocations", "{\"sub\":\"rv-1\",\"reason\":\"test\"}")
                .body());
        JsonObject got = new JsonObject(admin.get("/admin/revocations/sub/rv-1").body());
        assertThat(posted.getString("reason")).isEqualTo("test");
        assertThat(posted.getString("revokedAt")).isEqualTo(got.getString("issuedUpTo"));
        posted.remove("revokedAt");
        assertThat(posted).isEqualTo(got);
    }

    @Test
    void healthAndMetricsAnswer() {
        assertThat(new JsonObject(anonymous.get("/health").body()).getString("status")).isEqualTo("UP");
        var ready = anonymous.get("/health/ready");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(ready.body()).getJsonArray("checked").getList()).contains("store", "mqttSessionJournal", "mqtt", "coap",
                "audit");
        assertThat(anonymous.get("/health/live").statusCode()).isEqualTo(200);
        assertThat(anonymous.get("/metrics").statusCode()).isEqualTo(200);
    }
}
