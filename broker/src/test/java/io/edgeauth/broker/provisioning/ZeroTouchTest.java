package io.edgeauth.broker.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.util.Base64;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Zero-touch onboarding over HTTP: a device whose certificate chains to a fleet CA gets its first token
 * with an {@code x5c} assertion and no prior registration, then connects over MQTT; each chain failure is
 * refused with its reason; a withdrawn CA's devices fail.
 */
public class ZeroTouchTest {
    static final String OWNER = "did:pkh:eip155:1:0x00000000000000000000000000000000000000aA";
    @TempDir
    static Path dir;
    static FleetPki configCa;
    static Broker broker;
    static String base;
    static Http admin;
    static Http anonymous;

    @BeforeAll
    static void start() throws Exception {
        configCa = new FleetPki("acme fleet CA");
        Path caFile = dir.resolve("fleet-ca.pem");
        Files.writeString(caFile, FleetPki.pem(configCa.caCertificate()));
        broker = Broker.start(TestBrokers.config(dir.resolve("data"), Map.of(
                "EDGEAUTH_PROVISIONING_FLEET_CAS", "[{\"id\":\"acme\",\"certificateFile\":\"" + caFile + "\",\"template\":\"field\"}]",
                "EDGEAUTH_PROVISIONING_TEMPLATES", "{\"default\":{},\"field\":{\"region\":[\"u33d\"],\"owner\":\"" + OWNER + "\"}}",
                "EDGEAUTH_COAP_PORT", "-1")));
        base = "http://127.0.0.1:" + broker.httpPort();
        admin = new Http(base, broker.newAdminCredential().orElseThrow());
        anonymous = new Http(base, null);
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void aNewDeviceGetsItsFirstTokenWithItsCertificateChainAndConnects() throws Exception {
        FleetPki.Issued device = configCa.device("zt-1");
        assertThat(broker.registry().find("zt-1")).isEmpty();

        HttpResponse<String> first = token(device, "zt-1", true);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        Device record = broker.registry().find("zt-1").orElseThrow();
        assertThat(record.region()).as("from the CA's template").containsExactly("u33d");
        assertThat(record.owner()).isEqualToIgnoringCase(OWNER);
        assertThat(record.credential().type()).isEqualTo(Device.CredentialType.JWK);

        HttpResponse<String> again = token(device, "zt-1", true);
        assertThat(again.statusCode()).as("with x5c again").isEqualTo(200);
        HttpResponse<String> plain = token(device, "zt-1", false);
        assertThat(plain.statusCode()).as("registered now: a plain assertion").isEqualTo(200);
        String leafJkt = JWK.parse(device.cert()).computeThumbprint().toString();
        for (HttpResponse<String> issued : List.of(first, again, plain)) {
            assertThat(jkt(issued)).as("every token is bound to the certificate's key").isEqualTo(leafJkt);
            assertThat(claims(issued).getString("fleet_ca")).as("and names the CA withdrawing which revokes it")
                    .isEqualTo("acme");
        }

        String accessToken = new JsonObject(first.body()).getString("access_token");
        Mqtt5BlockingClient mqtt = MqttClient.builder().useMqttVersion5().identifier("zt-1").serverHost("127.0.0.1")
                .serverPort(broker.mqttPort()).buildBlocking();
        mqtt.connectWith().simpleAuth().username("zt-1").password(accessToken.getBytes(StandardCharsets.US_ASCII))
                .applySimpleAuth().send();
        mqtt.publishWith().topic("d/zt-1/up/temp").qos(MqttQos.AT_LEAST_ONCE).payload("21".getBytes()).send();
        mqtt.disconnect();
    }

    /** The {@code cnf.jkt} of the access token in a token response. */
    private static String jkt(HttpResponse<String> response) throws java.text.ParseException {
        return claims(response).getJsonObject("cnf").getString("jkt");
    }

    private static JsonObject claims(HttpResponse<String> response) throws java.text.ParseException {
        String accessToken = new JsonObject(response.body()).getString("access_token");
        return new JsonObject(SignedJWT.parse(accessToken).getPayload().toString());
    }

    @Test
    void theFirstUseAssertionIsSpentOnceAndTheRecordHoldsTheLeafKeyAlone() throws Exception {
        FleetPki.Issued device = configCa.device("zt-once");
        String first = assertion("zt-once", device.keys().getPrivate(), List.of(device.cert()));
        assertThat(post(first).statusCode()).isEqualTo(200);
        HttpResponse<String> replay = post(first);
        assertThat(replay.statusCode()).as("verified once on first use, its jti spent there").isEqualTo(401);
        assertThat(replay.body()).contains("replayed");

        JWK registered = JWK.parse(broker.registry().find("zt-once").orElseThrow().credential().value());
        JWK leaf = JWK.parse(device.cert());
        assertThat(registered.computeThumbprint()).isEqualTo(leaf.computeThumbprint());
        assertThat(registered.getX509CertChain()).as("the key only, not the certificate").isNull();
        assertThat(registered.isPrivate()).isFalse();
    }

    @Test
    void eachChainFailureIsRefusedWithItsReasonAndCreatesNoRecord() throws Exception {
        Instant now = Instant.now();
        assertRefused(configCa.device("zt-expired", now.minus(Duration.ofDays(3)), now.minus(Duration.ofDays(1)),
                KeyUsage.digitalSignature, KeyPurposeId.id_kp_clientAuth), "zt-expired", "expired");
        assertRefused(configCa.device("zt-future", now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(3)),
                KeyUsage.digitalSignature, KeyPurposeId.id_kp_clientAuth), "zt-future", "not_yet_valid");
        assertRefused(new FleetPki("acme fleet CA").device("zt-impostor"), "zt-impostor", "certificate");
        assertRefused(new FleetPki("some other CA").device("zt-stranger"), "zt-stranger", "unknown_issuer");
        assertRefused(configCa.device("zt-ku", now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)),
                KeyUsage.keyEncipherment, KeyPurposeId.id_kp_clientAuth), "zt-ku", "digitalSignature");
        assertRefused(configCa.device("zt-eku", now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)),
                KeyUsage.digitalSignature, KeyPurposeId.id_kp_serverAuth), "zt-eku", "clientAuth");
    }

    @Test
    void aStolenChainWithoutItsKeyProvisionsNothing() throws Exception {
        FleetPki.Issued victim = configCa.device("zt-victim");
        FleetPki.Issued thief = configCa.device("zt-thief");
        HttpResponse<String> r = post(assertion("zt-victim", thief.keys().getPrivate(), List.of(victim.cert())));
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.body()).contains("bad_signature");
        assertThat(broker.registry().find("zt-victim")).isEmpty();
        HttpResponse<String> wrongId = post(assertion("zt-other", victim.keys().getPrivate(), List.of(victim.cert())));
        assertThat(wrongId.statusCode()).isEqualTo(401);
        assertThat(broker.registry().find("zt-other")).isEmpty();
    }

    @Test
    void aCaAddedThroughTheAdminApiServesItsDevicesUntilWithdrawnAndHonoursItsCrl() throws Exception {
        FleetPki pki = new FleetPki("beta fleet CA");
        FleetPki.Issued good = pki.device("beta-1");
        FleetPki.Issued revoked = pki.device("beta-revoked");
        JsonObject body = new JsonObject().put("id", "beta").put("certificate", FleetPki.pem(pki.caCertificate()))
                .put("crl", FleetPki.pem(pki.crl(revoked.cert())));
        assertThat(admin.postJson("/admin/fleet-cas", body.encode()).statusCode()).isEqualTo(201);
        assertThat(admin.get("/admin/fleet-cas").body()).contains("\"id\":\"beta\"");

        assertThat(token(good, "beta-1", true).statusCode()).isEqualTo(200);
        assertRefused(revoked, "beta-revoked", "revoked");
        assertRefused(revoked, "beta-revoked", "the CRL of fleet CA 'beta'"); // which CA's list, as without x5c

        assertThat(admin.delete("/admin/fleet-cas/beta").statusCode()).isEqualTo(204);
        HttpResponse<String> inForce = admin.get("/admin/revocations/fleet_ca/beta");
        assertThat(inForce.statusCode()).as("the withdrawal's revocation is listed").isEqualTo(200);
        assertThat(inForce.body()).contains("\"kind\":\"fleet_ca\"").contains("\"keepUntil\"");
        HttpResponse<String> withdrawn = token(good, "beta-1", true);
        assertThat(withdrawn.statusCode()).isEqualTo(401);
        assertThat(withdrawn.body()).contains("revoked").contains("withdrawn");
        HttpResponse<String> plain = token(good, "beta-1", false);
        assertThat(plain.statusCode()).as("a provisioned device fails without x5c too").isEqualTo(401);
        assertThat(plain.body()).contains("withdrawn");
        assertRefused(pki.device("beta-2"), "beta-2", "withdrawn");
    }

    /**
     * The key a device registered came from its certificate: when the CA later lists that certificate in its CRL (a
     * stolen key, a retired device), the device is cut with or without {@code x5c}, not only when it shows the chain,
     * and the token it holds and the session it opened end at once (before, they lasted until the token's exp).
     */
    @Test
    void aCertificateRevokedAfterProvisioningCutsItsDeviceWithoutX5cToo() throws Exception {
        FleetPki pki = new FleetPki("gamma fleet CA");
        FleetPki.Issued device = pki.device("gamma-1");
        FleetPki.Issued neighbour = pki.device("gamma-2");
        JsonObject ca = new JsonObject().put("id", "gamma").put("certificate", FleetPki.pem(pki.caCertificate()));
        assertThat(admin.postJson("/admin/fleet-cas", ca.encode()).statusCode()).isEqualTo(201);
        assertThat(token(device, "gamma-1", true).statusCode()).isEqualTo(200);
        assertThat(token(neighbour, "gamma-2", true).statusCode()).isEqualTo(200);
        String held = new JsonObject(token(device, "gamma-1", false).body()).getString("access_token");
        String neighbours = new JsonObject(token(neighbour, "gamma-2", false).body()).getString("access_token");
        Mqtt5BlockingClient session = mqtt("gamma-1", held);
        Mqtt5BlockingClient neighbourSession = mqtt("gamma-2", neighbours);

        ca.put("crl", FleetPki.pem(pki.crl(device.cert())));
        HttpResponse<String> replaced = admin.postJson("/admin/fleet-cas", ca.encode());
        assertThat(replaced.statusCode()).as("the CA with its new CRL").isEqualTo(201);
        assertThat(new JsonObject(replaced.body()).getInteger("devicesRevoked")).isEqualTo(1);
        HttpResponse<String> plain = token(device, "gamma-1", false);
        assertThat(plain.statusCode()).as(plain.body()).isEqualTo(401);
        assertThat(plain.body()).contains("revoked");
        assertThat(token(device, "gamma-1", true).body()).contains("revoked");
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> assertThat(session.getState().isConnected())
                .as("the listed device's session").isFalse());
        assertThatThrownBy(() -> mqtt("gamma-1", held)).as("the token it holds").isInstanceOf(Mqtt5ConnAckException.class);
        assertThat(neighbourSession.getState().isConnected()).as("a certificate the CRL does not list").isTrue();
        neighbourSession.disconnect();
        assertThat(token(neighbour, "gamma-2", false).statusCode()).as("a certificate the CRL does not list").isEqualTo(200);
        assertThat(new JsonObject(admin.postJson("/admin/fleet-cas", ca.encode()).body()).getInteger("devicesRevoked"))
                .as("the same CRL again lists nothing new").isZero();
    }

    /**
     * A device an admin deleted and registered again with a key of the admin's choice is the admin's: the CA that once
     * provisioned the id no longer governs it (its CRL and its withdrawal cut it before).
     */
    @Test
    void aDeviceDeletedAndRegisteredAgainByAnAdminIsNotCutByItsFormerCa() throws Exception {
        FleetPki pki = new FleetPki("delta fleet CA");
        FleetPki.Issued device = pki.device("delta-1");
        JsonObject ca = new JsonObject().put("id", "delta").put("certificate", FleetPki.pem(pki.caCertificate()));
        assertThat(admin.postJson("/admin/fleet-cas", ca.encode()).statusCode()).isEqualTo(201);
        assertThat(token(device, "delta-1", true).statusCode()).isEqualTo(200);
        assertThat(admin.delete("/admin/devices/delta-1").statusCode()).isEqualTo(204);
        FleetPki.Issued adminsKey = new FleetPki("not a fleet CA").device("delta-1");
        assertThat(admin.postJson("/admin/devices", new JsonObject().put("id", "delta-1")
                .put("jwk", new JsonObject(com.nimbusds.jose.jwk.JWK.parse(adminsKey.cert()).toPublicJWK().toJSONString()))
                .encode()).statusCode()).isEqualTo(201);

        ca.put("crl", FleetPki.pem(pki.crl(device.cert())));
        HttpResponse<String> listed = admin.postJson("/admin/fleet-cas", ca.encode());
        assertThat(new JsonObject(listed.body()).getInteger("devicesRevoked")).as("the old certificate's device is gone")
                .isZero();
        HttpResponse<String> afterCrl = token(adminsKey, "delta-1", false);
        assertThat(afterCrl.statusCode()).as(afterCrl.body()).isEqualTo(200);
        assertThat(admin.delete("/admin/fleet-cas/delta").statusCode()).isEqualTo(204);
        HttpResponse<String> afterWithdrawal = token(adminsKey, "delta-1", false);
        assertThat(afterWithdrawal.statusCode()).as(afterWithdrawal.body()).isEqualTo(200);
    }

    private static Mqtt5BlockingClient mqtt(String id, String token) {
        Mqtt5BlockingClient client = MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1")
                .serverPort(broker.mqttPort()).buildBlocking();
        client.connectWith().simpleAuth().username(id).password(token.getBytes(StandardCharsets.US_ASCII))
                .applySimpleAuth().send();
        return client;
    }

    /**
     * One CA trusted under two ids made its CRL (or withdrawal) under one id void through the other: a device listed
     * by "sigma" got tokens validated by "sigma-2". The same CA (subject and key) under a second id is refused now,
     * also once the first is withdrawn; replacing it under its own id is how its CRL or template changes.
     */
    @Test
    void theSameCaUnderASecondIdIsRefused() throws Exception {
        FleetPki pki = new FleetPki("sigma fleet CA");
        FleetPki.Issued listed = pki.device("sigma-1");
        JsonObject ca = new JsonObject().put("id", "sigma").put("certificate", FleetPki.pem(pki.caCertificate()))
                .put("crl", FleetPki.pem(pki.crl(listed.cert())));
        assertThat(admin.postJson("/admin/fleet-cas", ca.encode()).statusCode()).isEqualTo(201);
        JsonObject twin = new JsonObject().put("id", "sigma-2").put("certificate", FleetPki.pem(pki.caCertificate()));
        HttpResponse<String> refused = admin.postJson("/admin/fleet-cas", twin.encode());
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(409);
        assertThat(refused.body()).contains("'sigma'");
        assertRefused(listed, "sigma-1", "revoked");
        assertThat(admin.postJson("/admin/fleet-cas", ca.encode()).statusCode()).as("replaced under its own id")
                .isEqualTo(201);

        assertThat(admin.delete("/admin/fleet-cas/sigma").statusCode()).isEqualTo(204);
        assertThat(admin.postJson("/admin/fleet-cas", twin.encode()).statusCode()).as("nor once withdrawn")
                .isEqualTo(409);
        assertRefused(pki.device("sigma-3"), "sigma-3", "withdrawn");
    }

    /**
     * A device provisioned through a sub-CA before its fleet CA said {@code pathlen:0} (by a version that did not check
     * it, or before the CA was re-issued with the constraint): its chain is refused now, and so is its plain assertion,
     * since its mark says an intermediate issued its certificate. Before, the plain assertion went on getting tokens.
     */
    @Test
    void aDeviceAnIntermediateProvisionedIsCutOnceItsCaForbidsIntermediates() throws Exception {
        FleetPki root = new FleetPki("rho fleet CA");
        FleetPki sub = root.intermediate("rho sub CA");
        FleetPki.Issued minted = sub.device("rho-1");
        FleetPki.Issued direct = root.device("rho-2");
        JsonObject ca = new JsonObject().put("id", "rho").put("certificate", FleetPki.pem(root.caCertificate()));
        assertThat(admin.postJson("/admin/fleet-cas", ca.encode()).statusCode()).isEqualTo(201);
        HttpResponse<String> first = post(assertion("rho-1", minted.keys().getPrivate(),
                List.of(minted.cert(), sub.caCertificate())));
        assertThat(first.statusCode()).as("no constraint yet: " + first.body()).isEqualTo(200);
        assertThat(token(direct, "rho-2", true).statusCode()).isEqualTo(200);

        ca.put("certificate", FleetPki.pem(root.caCertificateWithPathLength(0)));
        assertThat(admin.postJson("/admin/fleet-cas", ca.encode()).statusCode()).as("re-issued with pathlen:0")
                .isEqualTo(201);
        HttpResponse<String> plain = token(minted, "rho-1", false);
        assertThat(plain.statusCode()).as(plain.body()).isEqualTo(401);
        assertThat(plain.body()).contains("forbidden").contains("intermediate");
        assertThat(token(direct, "rho-2", false).statusCode()).as("a device the CA certified itself").isEqualTo(200);
    }

    /**
     * Two vendors' CAs may carry the same subject name with different keys: each device is validated by the CA whose
     * key signed its certificate. Before, the first CA of that name was taken, and the other's devices failed
     * {@code bad_signature}.
     */
    @Test
    void twoCasOfOneSubjectNameEachServeTheirOwnDevices() throws Exception {
        FleetPki first = new FleetPki("omni fleet CA");
        FleetPki second = new FleetPki("omni fleet CA");
        for (var ca : Map.of("omni-a", first, "omni-b", second).entrySet()) {
            assertThat(admin.postJson("/admin/fleet-cas", new JsonObject().put("id", ca.getKey())
                    .put("certificate", FleetPki.pem(ca.getValue().caCertificate())).encode()).statusCode())
                    .isEqualTo(201);
        }
        HttpResponse<String> a = token(first.device("omni-1"), "omni-1", true);
        HttpResponse<String> b = token(second.device("omni-2"), "omni-2", true);
        assertThat(a.statusCode()).as(a.body()).isEqualTo(200);
        assertThat(b.statusCode()).as(b.body()).isEqualTo(200);
        assertThat(claims(a).getString("fleet_ca")).isEqualTo("omni-a");
        assertThat(claims(b).getString("fleet_ca")).isEqualTo("omni-b");
    }

    @Test
    void anAssertionForAnotherIdThanItsCertificateNamesIsRefusedSayingSo() throws Exception {
        FleetPki.Issued device = configCa.device("zt-named");
        HttpResponse<String> r = post(assertion("zt-claimed", device.keys().getPrivate(), List.of(device.cert())));
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.body()).as("not 'no registered key'").contains("client_id_mismatch")
                .contains("zt-named").contains("zt-claimed");
        assertThat(broker.registry().find("zt-named")).isEmpty();
        assertThat(broker.registry().find("zt-claimed")).isEmpty();
    }

    @Test
    void theAdminApiRefusesBadCaInput() throws Exception {
        assertThat(admin.postJson("/admin/fleet-cas", "{\"id\":\"x\",\"certificate\":\"not pem\"}").statusCode()).isEqualTo(400);
        FleetPki.Issued leaf = configCa.device("not-a-ca");
        assertThat(admin.postJson("/admin/fleet-cas", new JsonObject().put("id", "leaf")
                .put("certificate", FleetPki.pem(leaf.cert())).encode()).body()).contains("not a CA certificate");
        assertThat(admin.postJson("/admin/fleet-cas", new JsonObject().put("id", "../x")
                .put("certificate", FleetPki.pem(configCa.caCertificate())).encode()).statusCode()).isEqualTo(400);
        FleetPki delta = new FleetPki("delta fleet CA");
        HttpResponse<String> foreignCrl = admin.postJson("/admin/fleet-cas", new JsonObject().put("id", "delta")
                .put("certificate", FleetPki.pem(delta.caCertificate()))
                .put("crl", FleetPki.pem(configCa.crl())).encode());
        assertThat(foreignCrl.statusCode()).as(foreignCrl.body()).isEqualTo(400);
        assertThat(foreignCrl.body()).contains("crl: no CRL of this CA").contains("acme fleet CA");
        HttpResponse<String> typo = admin.postJson("/admin/fleet-cas", new JsonObject().put("id", "typo")
                .put("certificate", FleetPki.pem(delta.caCertificate())).put("deviceIdFom", "san-dns").encode());
        assertThat(typo.statusCode()).as("a misspelt field is not replaced by its default").isEqualTo(400);
        assertThat(typo.body()).contains("unknown field 'deviceIdFom'");
        assertThat(anonymous.postJson("/admin/fleet-cas", "{}").statusCode()).isEqualTo(401);
        assertThat(admin.delete("/admin/fleet-cas/nosuch").statusCode()).isEqualTo(404);
        HttpResponse<String> junk = anonymous.postForm("/oauth/token", Map.of("grant_type", "client_credentials",
                "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion", "eyJhbGciOiJFUzI1NiIsIng1YyI6WyIhISJdfQ.e30.AA"));
        assertThat(junk.statusCode()).isEqualTo(401);
        assertThat(junk.body()).contains("malformed");
    }

    /**
     * A certificate naming a registered service's id takes the service's path, whose key it does not hold: refused,
     * and the refusal says a chain does not make a device of a service's id (it read only "bad_signature").
     */
    @Test
    void aCertificateNamingAServiceIsRefusedSayingSo() throws Exception {
        io.edgeauth.broker.testsupport.TestServices.register(admin, "zt-svc", "default", "sub:d/+/up/#");
        HttpResponse<String> r = token(configCa.device("zt-svc"), "zt-svc", true);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
        assertThat(r.body()).contains("bad_signature").contains("service client").contains("x5c");
        assertThat(broker.registry().find("zt-svc")).isEmpty();
    }

    private static void assertRefused(FleetPki.Issued device, String id, String reason) throws Exception {
        HttpResponse<String> r = token(device, id, true);
        assertThat(r.statusCode()).as(id + ": " + r.body()).isEqualTo(401);
        assertThat(r.body()).as(id).contains(reason);
        assertThat(broker.registry().find(id)).as(id + " not registered").isEmpty();
    }

    static HttpResponse<String> token(FleetPki.Issued device, String id, boolean withChain) throws Exception {
        return post(assertion(id, device.keys().getPrivate(), withChain ? List.of(device.cert()) : List.of()));
    }

    static HttpResponse<String> post(String assertion) {
        return anonymous.postForm("/oauth/token", form(assertion));
    }

    /** A client_credentials form with {@code assertion} as its RFC 7523 client assertion. */
    static Map<String, String> form(String assertion) {
        return Map.of("grant_type", "client_credentials",
                "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion", assertion);
    }

    /** {@code id}'s token request to {@code node}: an assertion signed by {@code key}, {@code chain} as x5c unless empty. */
    static HttpResponse<String> tokenFrom(Broker node, String id, PrivateKey key, List<X509Certificate> chain)
            throws Exception {
        return new Http("http://127.0.0.1:" + node.httpPort(), null).postForm("/oauth/token",
                form(assertion(node.config().publicUrl() + "/oauth/token", id, key, chain)));
    }

    static String assertion(String id, PrivateKey key, List<X509Certificate> chain) throws Exception {
        return assertion(broker.config().publicUrl() + "/oauth/token", id, key, chain);
    }

    /** An ES256 client assertion for {@code audience}, with {@code chain} as its {@code x5c} unless empty. */
    public static String assertion(String audience, String id, PrivateKey key, List<X509Certificate> chain) throws Exception {
        JWSHeader.Builder header = new JWSHeader.Builder(JWSAlgorithm.ES256);
        if (!chain.isEmpty()) {
            List<Base64> x5c = new ArrayList<>();
            for (X509Certificate c : chain) {
                x5c.add(Base64.encode(c.getEncoded()));
            }
            header.x509CertChain(x5c);
        }
        Instant now = Instant.now();
        SignedJWT jwt = new SignedJWT(header.build(), new JWTClaimsSet.Builder().issuer(id).subject(id)
                .audience(audience).jwtID(UUID.randomUUID().toString()).issueTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(60))).build());
        jwt.sign(new ECDSASigner((ECPrivateKey) key));
        return jwt.serialize();
    }
}
