package io.edgeauth.broker.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.coap.DerivedPskStore;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Group-derived credentials: HS256 client_secret_jwt keyed by HKDF(group secret, device id), auto-registered. */
class GroupEnrollmentTest {
    @TempDir
    static Path dir;
    static byte[] master = new byte[32];
    static Broker broker;
    static Http anonymous;
    static Http admin;

    @BeforeAll
    static void start() throws Exception {
        new SecureRandom().nextBytes(master);
        Path secret = dir.resolve("sensors.key");
        Files.write(secret, master);
        Files.setPosixFilePermissions(secret, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")); // the broker refuses a group secret others can read
        broker = Broker.start(TestBrokers.config(dir.resolve("data"), Map.of(
                "EDGEAUTH_PROVISIONING_ENROLLMENT_GROUPS", "[{\"id\":\"sensors\",\"secretFile\":\"" + secret + "\",\"template\":\"s\"},"
                        + "{\"id\":\"meters\",\"secretFile\":\"" + secret + "\",\"idPattern\":\"meter-[0-9]{4}\"}]",
                "EDGEAUTH_PROVISIONING_TEMPLATES", "{\"default\":{},\"s\":{\"region\":[\"u0\"]}}",
                "EDGEAUTH_MQTT_PORT", "-1", "EDGEAUTH_COAP_PORT", "-1")));
        String base = "http://127.0.0.1:" + broker.httpPort();
        anonymous = new Http(base, null);
        admin = new Http(base, broker.newAdminCredential().orElseThrow());
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void discoveryAdvertisesClientSecretJwtAndEveryTokenFormat() {
        io.vertx.core.json.JsonObject doc = new io.vertx.core.json.JsonObject(
                anonymous.get("/.well-known/openid-configuration").body());
        assertThat(doc.getJsonArray("token_endpoint_auth_methods_supported").getList())
                .containsExactly("private_key_jwt", "client_secret_jwt");
        assertThat(doc.getJsonArray("token_endpoint_auth_signing_alg_values_supported").getList()).contains("HS256");
        assertThat(doc.getJsonArray("token_formats_supported").getList())
                .containsExactly("jwt", "cwt", "jwe", "cwt-encrypted");
    }

    @Test
    void aMemberDeviceIsRegisteredOnFirstUseAndServedAfter() throws Exception {
        String first = assertion("grp-1", "sensors", DerivedPskStore.derive(master, "grp-1"));
        assertThat(post(first).statusCode()).isEqualTo(200);
        Device d = broker.registry().find("grp-1").orElseThrow();
        assertThat(d.credential()).isEqualTo(new Device.Credential(Device.CredentialType.ENROLLMENT_GROUP, "sensors"));
        assertThat(d.region()).containsExactly("u0");
        assertThat(admin.get("/admin/devices/grp-1").body()).contains("\"enrollmentGroup\":\"sensors\"");
        assertThat(post(assertion("grp-1", "sensors", DerivedPskStore.derive(master, "grp-1"))).statusCode()).isEqualTo(200);
        HttpResponse<String> replay = post(first);
        assertThat(replay.statusCode()).isEqualTo(401);
        assertThat(replay.body()).contains("replayed");
    }

    @Test
    void wrongSecretsUnknownGroupsAndForeignIdsAreRefused() throws Exception {
        HttpResponse<String> otherDevicesKey = post(assertion("grp-2", "sensors", DerivedPskStore.derive(master, "grp-3")));
        assertThat(otherDevicesKey.statusCode()).isEqualTo(401);
        assertThat(otherDevicesKey.body()).contains("bad_signature");
        assertThat(broker.registry().find("grp-2")).isEmpty();

        HttpResponse<String> master = post(assertion("grp-4", "sensors", GroupEnrollmentTest.master));
        assertThat(master.statusCode()).as("the group secret itself is not a device secret").isEqualTo(401);

        HttpResponse<String> noGroup = post(assertion("grp-5", "nosuch", DerivedPskStore.derive(GroupEnrollmentTest.master, "grp-5")));
        assertThat(noGroup.body()).contains("unknown_key");

        assertThat(admin.postJson("/admin/devices", "{\"id\":\"grp-taken\",\"x5tS256\":\"" + "Q".repeat(43) + "\"}")
                .statusCode()).isEqualTo(201);
        HttpResponse<String> taken = post(assertion("grp-taken", "sensors", DerivedPskStore.derive(GroupEnrollmentTest.master, "grp-taken")));
        assertThat(taken.statusCode()).isEqualTo(401);
        assertThat(taken.body()).contains("binding_mismatch");
        assertThat(broker.registry().find("grp-taken").orElseThrow().credential().type())
                .isEqualTo(Device.CredentialType.X5T_S256);
    }

    /**
     * Whether an id is registered (with a key, a certificate, another group, in any tenant) is not told to a caller
     * without the group-derived key: the membership check ran before the MAC, so an assertion MACed with any key
     * answered binding_mismatch for a registered id and bad_signature for a free one (tour L, L1).
     */
    @Test
    void aRegisteredIdIsNotToldApartWithoutTheGroupDerivedKey() throws Exception {
        assertThat(admin.postJson("/admin/devices", "{\"id\":\"grp-cert\",\"x5tS256\":\"" + "R".repeat(43) + "\"}")
                .statusCode()).isEqualTo(201);
        byte[] guess = new byte[32];
        new SecureRandom().nextBytes(guess);
        HttpResponse<String> registered = post(assertion("grp-cert", "sensors", guess));
        HttpResponse<String> free = post(assertion("grp-free", "sensors", guess));
        assertThat(registered.statusCode()).isEqualTo(401);
        assertThat(registered.body()).as("registered id, forged MAC").isEqualTo(free.body());
        assertThat(registered.body()).contains("bad_signature");
        HttpResponse<String> proven = post(assertion("grp-cert", "sensors", DerivedPskStore.derive(master, "grp-cert")));
        assertThat(proven.body()).as("with the group-derived key it is told").contains("binding_mismatch");
        assertThat(broker.registry().find("grp-cert").orElseThrow().credential().type())
                .isEqualTo(Device.CredentialType.X5T_S256);
    }

    /**
     * Deleting a group device's record is no decommissioning: the device enrolls again on its next request. An
     * operator's subject revocation is: it is refused, and its record is not created again only to be refused (it
     * was, audited device.provisioned ok: tour L, L4).
     */
    @Test
    void aBlockedGroupDeviceIsNotRegisteredAgain() throws Exception {
        byte[] k = DerivedPskStore.derive(master, "grp-stolen");
        assertThat(post(assertion("grp-stolen", "sensors", k)).statusCode()).isEqualTo(200);
        assertThat(admin.delete("/admin/devices/grp-stolen").statusCode()).isEqualTo(204);
        assertThat(post(assertion("grp-stolen", "sensors", k)).statusCode()).as("enrolled again").isEqualTo(200);
        assertThat(admin.postJson("/admin/revocations", "{\"sub\":\"grp-stolen\",\"reason\":\"stolen\"}")
                .statusCode()).isBetween(200, 201);
        assertThat(admin.delete("/admin/devices/grp-stolen").statusCode()).isEqualTo(204);
        HttpResponse<String> blocked = post(assertion("grp-stolen", "sensors", k));
        assertThat(blocked.statusCode()).isEqualTo(401);
        assertThat(blocked.body()).contains("revoked");
        assertThat(broker.registry().find("grp-stolen")).as("not registered again").isEmpty();
    }

    /**
     * A group device's record as {@code GET /admin/devices/{id}} answers it goes back through the bulk import (a
     * backup restored, a move between stores): it was refused, "unknown field 'enrollmentGroup'".
     */
    @Test
    void aGroupDevicesRecordCanBeSentBack() throws Exception {
        assertThat(post(assertion("grp-back", "sensors", DerivedPskStore.derive(master, "grp-back"))).statusCode())
                .isEqualTo(200);
        String record = admin.get("/admin/devices/grp-back").body();
        String again = admin.postRaw("/admin/devices:bulk", "application/x-ndjson",
                (record + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)).body();
        assertThat(again).contains("\"result\":\"unchanged\"");
        HttpResponse<String> preRegistered = admin.postJson("/admin/devices",
                "{\"id\":\"grp-pre\",\"enrollmentGroup\":\"sensors\"}");
        assertThat(preRegistered.statusCode()).as(preRegistered.body()).isEqualTo(201);
        assertThat(post(assertion("grp-pre", "sensors", DerivedPskStore.derive(master, "grp-pre"))).statusCode())
                .as("a pre-registered group device gets tokens with its derived key").isEqualTo(200);
        HttpResponse<String> unknown = admin.postJson("/admin/devices", "{\"id\":\"grp-x\",\"enrollmentGroup\":\"nosuch\"}");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body()).contains("no enrollment group 'nosuch'");
    }

    /**
     * Device ids are one namespace for every tenant: a group's secret could provision any free id, one another
     * tenant needed among them. A group's {@code idPattern} bounds the ids it provisions.
     */
    @Test
    void aGroupProvisionsOnlyIdsItsPatternAdmits() throws Exception {
        HttpResponse<String> outside = post(assertion("pump-0001", "meters", DerivedPskStore.derive(master, "pump-0001")));
        assertThat(outside.statusCode()).as(outside.body()).isEqualTo(401);
        assertThat(outside.body()).contains("forbidden").contains("idPattern");
        assertThat(broker.registry().find("pump-0001")).isEmpty();
        assertThat(post(assertion("meter-0001", "meters", DerivedPskStore.derive(master, "meter-0001"))).statusCode())
                .isEqualTo(200);
        HttpResponse<String> registered = admin.postJson("/admin/devices", "{\"id\":\"pump-0002\",\"enrollmentGroup\":\"meters\"}");
        assertThat(registered.statusCode()).as("nor by registration: " + registered.body()).isEqualTo(400);
        assertThat(registered.body()).contains("idPattern");
    }

    private static HttpResponse<String> post(String assertion) {
        return anonymous.postForm("/oauth/token", Map.of("grant_type", "client_credentials",
                "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion", assertion));
    }

    private static String assertion(String id, String group, byte[] secret) throws Exception {
        Instant now = Instant.now();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(group).build(),
                new JWTClaimsSet.Builder().issuer(id).subject(id).audience(broker.config().publicUrl() + "/oauth/token")
                        .jwtID(UUID.randomUUID().toString()).issueTime(Date.from(now))
                        .expirationTime(Date.from(now.plusSeconds(60))).build());
        jwt.sign(new MACSigner(secret));
        return jwt.serialize();
    }
}
