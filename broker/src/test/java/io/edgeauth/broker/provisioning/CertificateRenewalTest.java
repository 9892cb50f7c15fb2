package io.edgeauth.broker.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.JWK;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.device.AccessToken;
import io.edgeauth.device.DeviceMqttClient;
import io.edgeauth.device.TokenFormat;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A zero-touch device renews its certificate with a new key (how fleets rotate device keys): a newer certificate of the
 * CA that provisioned it moves its record to the new key, with proof of possession of that key; the old key's tokens
 * and sessions end. Nothing else re-keys a record: an older certificate (a rollback to a retired key), another CA's
 * certificate, a device an admin registered, a chain shown with another key's signature. Before, every renewal with a
 * new key was refused ({@code binding_mismatch}) until an admin deleted the device.
 */
class CertificateRenewalTest {
    @TempDir
    static Path dir;
    static FleetPki fleet;
    static FleetPki other;
    static Broker broker;
    static Http admin;
    static Http anonymous;

    @BeforeAll
    static void start() throws Exception {
        fleet = new FleetPki("renewal fleet CA");
        other = new FleetPki("renewal other CA");
        Files.writeString(dir.resolve("fleet.pem"), FleetPki.pem(fleet.caCertificate()));
        Files.writeString(dir.resolve("other.pem"), FleetPki.pem(other.caCertificate()));
        broker = Broker.start(TestBrokers.config(dir.resolve("data"), Map.of(
                "EDGEAUTH_PROVISIONING_FLEET_CAS", "[{\"id\":\"fleet\",\"certificateFile\":\"" + dir.resolve("fleet.pem")
                        + "\"},{\"id\":\"other\",\"certificateFile\":\"" + dir.resolve("other.pem") + "\"}]",
                "EDGEAUTH_PROVISIONING_TEMPLATES", "{\"default\":{}}",
                "EDGEAUTH_COAP_PORT", "-1")));
        admin = new Http("http://127.0.0.1:" + broker.httpPort(), broker.newAdminCredential().orElseThrow());
        anonymous = new Http("http://127.0.0.1:" + broker.httpPort(), null);
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void aNewerCertificateOfItsCaMovesTheDeviceToItsNewKeyAndEndsTheOldKeysSessions() throws Exception {
        FleetPki.Issued first = issued(fleet, "rk-1", 3);
        HttpResponse<String> before = token("rk-1", first.keys().getPrivate(), first.cert());
        assertThat(before.statusCode()).as(before.body()).isEqualTo(200);
        String oldToken = new JsonObject(before.body()).getString("access_token");

        FleetPki.Issued renewed = issued(fleet, "rk-1", 2);
        HttpResponse<String> after = token("rk-1", renewed.keys().getPrivate(), renewed.cert());
        assertThat(after.statusCode()).as(after.body()).isEqualTo(200);
        assertThat(keyOf("rk-1")).isEqualTo(JWK.parse(renewed.cert()).toPublicJWK().computeThumbprint().toString());

        assertThat(token("rk-1", renewed.keys().getPrivate(), null).statusCode()).as("the new key, plain").isEqualTo(200);
        HttpResponse<String> oldKey = token("rk-1", first.keys().getPrivate(), null);
        assertThat(oldKey.statusCode()).as("the old key no longer gets tokens: " + oldKey.body()).isEqualTo(401);
        assertThat(connectFails("rk-1", oldToken)).as("a token of the old key").startsWith("connack:");
        assertThat(connectFails("rk-1", new JsonObject(after.body()).getString("access_token"))).isNull();

        HttpResponse<String> rollback = token("rk-1", first.keys().getPrivate(), first.cert());
        assertThat(rollback.statusCode()).as("an older certificate takes the record back to nothing").isEqualTo(401);
        assertThat(rollback.body()).contains("binding_mismatch");
        assertThat(keyOf("rk-1")).isEqualTo(JWK.parse(renewed.cert()).toPublicJWK().computeThumbprint().toString());
    }

    @Test
    void nothingButANewerCertificateOfTheSameCaWithItsOwnKeyReKeysARecord() throws Exception {
        FleetPki.Issued first = issued(fleet, "rk-2", 3);
        assertThat(token("rk-2", first.keys().getPrivate(), first.cert()).statusCode()).isEqualTo(200);
        String key = keyOf("rk-2");

        FleetPki.Issued elsewhere = issued(other, "rk-2", 1);
        HttpResponse<String> otherCa = token("rk-2", elsewhere.keys().getPrivate(), elsewhere.cert());
        assertThat(otherCa.statusCode()).as("another CA's certificate").isEqualTo(401);
        assertThat(otherCa.body()).contains("binding_mismatch");

        FleetPki.Issued stolen = issued(fleet, "rk-2", 1);
        HttpResponse<String> unproven = token("rk-2", first.keys().getPrivate(), stolen.cert());
        assertThat(unproven.statusCode()).as("a newer chain signed with another key than its own").isEqualTo(401);
        assertThat(unproven.body()).contains("bad_signature");
        assertThat(keyOf("rk-2")).as("unchanged").isEqualTo(key);

        FleetPki.Issued registered = issued(fleet, "rk-admin", 3);
        assertThat(admin.postJson("/admin/devices", new JsonObject().put("id", "rk-admin")
                .put("jwk", new JsonObject(JWK.parse(registered.cert()).toPublicJWK().toJSONString())).encode())
                .statusCode()).isEqualTo(201);
        FleetPki.Issued newer = issued(fleet, "rk-admin", 1);
        HttpResponse<String> adminRecord = token("rk-admin", newer.keys().getPrivate(), newer.cert());
        assertThat(adminRecord.statusCode()).as("a device an admin registered").isEqualTo(401);
        assertThat(adminRecord.body()).contains("binding_mismatch");
    }

    @Test
    void aDeviceDeletedAndRegisteredAgainByAnAdminIsNoLongerItsFormerCasToReKey() throws Exception {
        FleetPki.Issued first = issued(fleet, "rk-3", 3);
        assertThat(token("rk-3", first.keys().getPrivate(), first.cert()).statusCode()).isEqualTo(200);
        assertThat(admin.delete("/admin/devices/rk-3").statusCode()).isEqualTo(204);
        FleetPki.Issued adminsKey = issued(other, "rk-3", 3); // any key the admin chose
        assertThat(admin.postJson("/admin/devices", new JsonObject().put("id", "rk-3")
                .put("jwk", new JsonObject(JWK.parse(adminsKey.cert()).toPublicJWK().toJSONString())).encode())
                .statusCode()).isEqualTo(201);
        String key = keyOf("rk-3");

        FleetPki.Issued newer = issued(fleet, "rk-3", 1);
        HttpResponse<String> renewal = token("rk-3", newer.keys().getPrivate(), newer.cert());
        assertThat(renewal.statusCode()).as("the admin's record is not the CA's device any more: " + renewal.body())
                .isEqualTo(401);
        assertThat(renewal.body()).contains("binding_mismatch");
        assertThat(keyOf("rk-3")).isEqualTo(key);
        assertThat(token("rk-3", adminsKey.keys().getPrivate(), null).statusCode()).as("the admin's key").isEqualTo(200);
    }

    /** A certificate of {@code ca} for {@code id}, with a key of its own, issued {@code hoursAgo} hours ago. */
    private static FleetPki.Issued issued(FleetPki ca, String id, int hoursAgo) throws Exception {
        return ca.device(id, Instant.now().minus(Duration.ofHours(hoursAgo)), Instant.now().plus(Duration.ofDays(1)),
                KeyUsage.digitalSignature, KeyPurposeId.id_kp_clientAuth);
    }

    private static String keyOf(String id) throws Exception {
        Device d = broker.registry().find(id).orElseThrow();
        return JWK.parse(d.credential().value()).computeThumbprint().toString();
    }

    private static HttpResponse<String> token(String id, PrivateKey key, X509Certificate cert) throws Exception {
        return ZeroTouchTest.tokenFrom(broker, id, key, cert == null ? List.of() : List.of(cert));
    }

    /** The SDK's failure reason of an MQTT connect with {@code token}, or null when it connected. */
    private static String connectFails(String id, String token) throws Exception {
        DeviceMqttClient mqtt = DeviceMqttClient.builder().deviceId(id).serverHost("127.0.0.1")
                .serverPort(broker.mqttPort()).busyRetries(0)
                .token(new AccessToken(token, TokenFormat.JWT, "Bearer", null, Instant.now(), Instant.now().plusSeconds(600)))
                .build();
        try {
            mqtt.toBlocking().connect();
            mqtt.toBlocking().disconnect();
            return null;
        } catch (RuntimeException e) {
            return DeviceMqttClient.failureReason(e);
        }
    }
}
