package io.edgeauth.broker.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.util.X509CertUtils;
import com.nimbusds.jwt.SignedJWT;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.device.AccessToken;
import io.edgeauth.device.DeviceMqttClient;
import io.edgeauth.device.TokenFormat;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RFC 8705 {@code tls_client_auth} over the HTTPS listener, through the JDK's HttpClient with a key manager: a
 * zero-touch device (fleet CA certificate) and a device registered by certificate thumbprint get
 * certificate-bound tokens ({@code cnf x5t#S256}) and connect over MQTT with the same certificate; each chain
 * failure is refused with its reason; a plain HTTP attempt and a handshake without a certificate get nothing.
 */
class MtlsTokenTest {
    private static final char[] PASSWORD = "changeit".toCharArray();
    @TempDir
    static Path dir;
    static FleetPki fleetCa;
    static FleetPki deviceCa;
    static FleetPki serverCa;
    static Broker broker;
    static Http admin;

    @BeforeAll
    static void start() throws Exception {
        fleetCa = new FleetPki("mtls fleet CA");
        deviceCa = new FleetPki("registered devices CA");
        serverCa = new FleetPki("server CA");
        FleetPki.Issued server = serverCa.device("localhost", Instant.now().minus(Duration.ofHours(1)),
                Instant.now().plus(Duration.ofDays(1)), KeyUsage.digitalSignature, KeyPurposeId.id_kp_serverAuth);
        Path keyStore = dir.resolve("server.p12");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("server", server.keys().getPrivate(), PASSWORD, new Certificate[] {server.cert(), serverCa.caCertificate()});
        try (OutputStream out = Files.newOutputStream(keyStore)) {
            ks.store(out, PASSWORD);
        }
        Files.setPosixFilePermissions(keyStore, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")); // the broker refuses a server key others can read
        Path fleetPem = dir.resolve("fleet-ca.pem");
        Files.writeString(fleetPem, FleetPki.pem(fleetCa.caCertificate()));
        Path devicesPem = dir.resolve("device-cas.pem");
        // the registered devices' CA only: a fleet CA is trusted as such, never copied into a listener's trust store
        Files.writeString(devicesPem, FleetPki.pem(deviceCa.caCertificate()));
        broker = Broker.start(TestBrokers.config(dir.resolve("data"), Map.ofEntries(
                Map.entry("EDGEAUTH_PROVISIONING_FLEET_CAS", "[{\"id\":\"mtls\",\"certificateFile\":\"" + fleetPem + "\"}]"),
                Map.entry("EDGEAUTH_HTTP_TLS_PORT", "0"),
                Map.entry("EDGEAUTH_HTTP_TLS_KEY_STORE", keyStore.toString()),
                Map.entry("EDGEAUTH_HTTP_TLS_KEY_STORE_PASSWORD", new String(PASSWORD)),
                Map.entry("EDGEAUTH_HTTP_TLS_TRUST_STORE", dir.resolve("device-cas.pem").toString()),
                Map.entry("EDGEAUTH_MQTT_TLS_PORT", "0"),
                Map.entry("EDGEAUTH_MQTT_KEY_STORE", keyStore.toString()),
                Map.entry("EDGEAUTH_MQTT_KEY_STORE_PASSWORD", new String(PASSWORD)),
                Map.entry("EDGEAUTH_MQTT_TRUST_STORE", devicesPem.toString()),
                Map.entry("EDGEAUTH_COAP_PORT", "-1"))));
        admin = new Http("http://127.0.0.1:" + broker.httpPort(), broker.newAdminCredential().orElseThrow());
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void aZeroTouchDeviceGetsACertificateBoundTokenThenConnectsOverMqttWithTheSameCertificate() throws Exception {
        FleetPki.Issued device = fleetCa.device("mtls-zt-1");
        assertThat(broker.registry().find("mtls-zt-1")).isEmpty();
        HttpResponse<String> r = token(device, "mtls-zt-1");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String accessToken = new JsonObject(r.body()).getString("access_token");
        Map<String, Object> cnf = SignedJWT.parse(accessToken).getJWTClaimsSet().getJSONObjectClaim("cnf");
        assertThat(cnf).containsEntry("x5t#S256", X509CertUtils.computeSHA256Thumbprint(device.cert()).toString());
        assertThat(SignedJWT.parse(accessToken).getJWTClaimsSet().getStringClaim("fleet_ca")).isEqualTo("mtls");
        Device record = broker.registry().find("mtls-zt-1").orElseThrow();
        assertThat(record.credential().type()).as("provisioned from the CA's template").isEqualTo(Device.CredentialType.JWK);
        assertThat(token(device, "mtls-zt-1").statusCode()).as("known now: again").isEqualTo(200);

        DeviceMqttClient mqtt = mqtt("mtls-zt-1", accessToken, device, broker.mqttTlsPort());
        mqtt.toBlocking().connect();
        mqtt.toBlocking().publishTelemetry("temp", "21".getBytes(), 1);
        mqtt.toBlocking().disconnect();

        DeviceMqttClient plain = DeviceMqttClient.builder().deviceId("mtls-zt-1").serverHost("127.0.0.1")
                .serverPort(broker.mqttPort()).token(bearer(accessToken)).busyRetries(0).build();
        assertThatThrownBy(() -> plain.toBlocking().connect()).as("bound to the certificate: not without it")
                .satisfies(e -> assertThat(DeviceMqttClient.failureReason(e)).startsWith("connack:"));
    }

    @Test
    void aZeroTouchDeviceRenewingItsCertificateWithANewKeyIsReKeyedByTheHandshake() throws Exception {
        FleetPki.Issued first = fleetCa.device("mtls-rk-1", Instant.now().minus(Duration.ofHours(3)),
                Instant.now().plus(Duration.ofDays(1)), KeyUsage.digitalSignature, KeyPurposeId.id_kp_clientAuth);
        assertThat(token(first, "mtls-rk-1").statusCode()).isEqualTo(200);
        FleetPki.Issued renewed = fleetCa.device("mtls-rk-1");
        HttpResponse<String> r = token(renewed, "mtls-rk-1");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(com.nimbusds.jose.jwk.JWK.parse(broker.registry().find("mtls-rk-1").orElseThrow().credential().value())
                .computeThumbprint()).isEqualTo(com.nimbusds.jose.jwk.JWK.parse(renewed.cert()).computeThumbprint());
        HttpResponse<String> rollback = token(first, "mtls-rk-1");
        assertThat(rollback.statusCode()).as("the older certificate").isEqualTo(401);
        assertThat(rollback.body()).contains("binding_mismatch");
    }

    @Test
    void aDeviceRegisteredByCertificateThumbprintGetsATokenWithExactlyThatCertificate() throws Exception {
        FleetPki.Issued device = deviceCa.device("mtls-reg-1");
        String x5t = X509CertUtils.computeSHA256Thumbprint(device.cert()).toString();
        assertThat(admin.postJson("/admin/devices", new JsonObject().put("id", "mtls-reg-1").put("x5tS256", x5t).encode())
                .statusCode()).isEqualTo(201);
        HttpResponse<String> r = token(device, "mtls-reg-1");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(SignedJWT.parse(new JsonObject(r.body()).getString("access_token")).getJWTClaimsSet()
                .getJSONObjectClaim("cnf")).containsEntry("x5t#S256", x5t);
        assertThat(SignedJWT.parse(new JsonObject(r.body()).getString("access_token")).getJWTClaimsSet()
                .getClaim("fleet_ca")).as("registered by an admin: no fleet CA vouches for it").isNull();

        HttpResponse<String> other = token(deviceCa.device("mtls-reg-1"), "mtls-reg-1");
        assertThat(other.statusCode()).isEqualTo(401);
        assertThat(other.body()).contains("binding_mismatch");
    }

    @Test
    void eachChainFailureIsRefusedWithItsReasonAndCreatesNoRecord() throws Exception {
        Instant now = Instant.now();
        refused(fleetCa.device("mtls-expired", now.minus(Duration.ofDays(3)), now.minus(Duration.ofDays(1)),
                KeyUsage.digitalSignature, KeyPurposeId.id_kp_clientAuth), "mtls-expired", "expired");
        refused(fleetCa.device("mtls-ku", now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)),
                KeyUsage.keyEncipherment, KeyPurposeId.id_kp_clientAuth), "mtls-ku", "digitalSignature");
        refused(fleetCa.device("mtls-named"), "mtls-someone-else", "client_id_mismatch");
        // a CA nobody here trusts, and an impostor CA of the same name: refused in the handshake
        for (FleetPki stranger : new FleetPki[] {new FleetPki("some other CA"), new FleetPki("mtls fleet CA")}) {
            FleetPki.Issued d = stranger.device("mtls-stranger");
            assertThatThrownBy(() -> token(d, "mtls-stranger")).isInstanceOf(IOException.class);
        }
        assertThat(broker.registry().find("mtls-stranger")).isEmpty();
    }

    @Test
    void aRevokedCertificateAndAWithdrawnCaAreRefused() throws Exception {
        FleetPki pki = new FleetPki("mtls beta CA");
        FleetPki.Issued good = pki.device("mtls-beta-1");
        FleetPki.Issued revoked = pki.device("mtls-beta-revoked");
        JsonObject body = new JsonObject().put("id", "mtls-beta").put("certificate", FleetPki.pem(pki.caCertificate()))
                .put("crl", FleetPki.pem(pki.crl(revoked.cert())));
        assertThat(admin.postJson("/admin/fleet-cas", body.encode()).statusCode()).isEqualTo(201);
        assertThat(token(good, "mtls-beta-1").statusCode()).isEqualTo(200);
        refused(revoked, "mtls-beta-revoked", "revoked");

        assertThat(admin.delete("/admin/fleet-cas/mtls-beta").statusCode()).isEqualTo(204);
        HttpResponse<String> withdrawn = token(good, "mtls-beta-1");
        assertThat(withdrawn.statusCode()).isEqualTo(401);
        assertThat(withdrawn.body()).contains("revoked").contains("withdrawn");
    }

    @Test
    void withoutACertificateOrOverPlainHttpNoTokenIsIssued() throws Exception {
        HttpClient noCert = HttpClient.newBuilder().sslContext(ssl(null)).build();
        HttpResponse<String> r = noCert.send(tokenRequest(httpsUrl(), "mtls-zt-1"), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.body()).contains("invalid_client").contains("no client certificate");

        HttpResponse<String> plain = HttpClient.newHttpClient().send(
                tokenRequest("http://127.0.0.1:" + broker.httpPort(), "mtls-zt-1"), HttpResponse.BodyHandlers.ofString());
        assertThat(plain.statusCode()).isEqualTo(400);
        assertThat(plain.body()).contains("invalid_request").contains("tls_client_auth");

        FleetPki.Issued hostile = fleetCa.device("mtls-hostile");
        for (String clientId : new String[] {"x".repeat(300), "a%0d%0aforged%20log%20line", "%00", "mtls-zt-1%27--"}) {
            HttpResponse<String> h = token(hostile, clientId);
            assertThat(h.statusCode()).as(clientId).isIn(400, 401);
            assertThat(h.body()).contains("\"error\"");
        }
        assertThat(broker.registry().find("mtls-hostile")).isEmpty();

        // a certificate-bound token is the broker's only, as CoAP's /token answers it (the HTTPS path ignored it)
        HttpResponse<String> withAudience = token(fleetCa.device("mtls-aud"), "mtls-aud&audience=https%3A%2F%2Frs.example");
        assertThat(withAudience.statusCode()).isEqualTo(400);
        assertThat(withAudience.body()).contains("invalid_target");
        assertThat(broker.registry().find("mtls-aud")).isEmpty();

        HttpResponse<String> noId = HttpClient.newBuilder().sslContext(ssl(fleetCa.device("mtls-noid"))).build()
                .send(tokenRequest(httpsUrl(), ""), HttpResponse.BodyHandlers.ofString());
        assertThat(noId.statusCode()).isEqualTo(400);
        assertThat(noId.body()).contains("client_id");
    }

    @Test
    void discoveryAdvertisesTlsClientAuthAndTheMtlsAlias() {
        JsonObject doc = new JsonObject(admin.get("/.well-known/openid-configuration").body());
        assertThat(doc.getJsonArray("token_endpoint_auth_methods_supported").getList()).contains("tls_client_auth");
        assertThat(doc.getBoolean("tls_client_certificate_bound_access_tokens")).isTrue();
        assertThat(doc.getJsonObject("mtls_endpoint_aliases").getString("token_endpoint"))
                .isEqualTo("https://localhost:" + broker.httpsPort() + "/oauth/token");
        assertThat(broker.httpsPort()).isNotEqualTo(broker.httpPort());
    }

    /**
     * RFC 7523 §3 and RFC 8705 §5 (audit tour A, A15): the token endpoint's mTLS alias from discovery is the token
     * endpoint too, as an assertion's {@code aud}; it was refused {@code wrong_audience}.
     */
    @Test
    void anAssertionForTheMtlsAliasIsAccepted() throws Exception {
        io.edgeauth.device.DeviceIdentity device = io.edgeauth.broker.testsupport.TestDevices.register(admin, "mtls-alias");
        String alias = new JsonObject(admin.get("/.well-known/openid-configuration").body())
                .getJsonObject("mtls_endpoint_aliases").getString("token_endpoint");
        String assertion = io.edgeauth.device.ClientAssertions.builder(device).audience(alias).build().create();
        HttpResponse<String> r = HttpClient.newBuilder().sslContext(ssl(null)).build().send(form(httpsUrl(),
                "grant_type=client_credentials&client_assertion_type=" + io.edgeauth.device.ClientAssertions.ASSERTION_TYPE
                        + "&client_assertion=" + assertion), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String elsewhere = io.edgeauth.device.ClientAssertions.builder(device).audience("https://elsewhere:1/oauth/token")
                .build().create();
        HttpResponse<String> refused = HttpClient.newBuilder().sslContext(ssl(null)).build().send(form(httpsUrl(),
                "grant_type=client_credentials&client_assertion_type=" + io.edgeauth.device.ClientAssertions.ASSERTION_TYPE
                        + "&client_assertion=" + elsewhere), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(401);
        assertThat(refused.body()).contains("wrong_audience");
    }

    /**
     * RFC 6749 §2.3 (audit tour A, A13): a client certificate with client_id naming its device, and an assertion of
     * another device, gave that other device's token in silence. Refused now: client_id must be the assertion's sub.
     */
    @Test
    void aClientCertificateAndAnotherClientsAssertionAreRefused() throws Exception {
        FleetPki.Issued certified = fleetCa.device("mtls-both-1");
        assertThat(token(certified, "mtls-both-1").statusCode()).isEqualTo(200);
        io.edgeauth.device.DeviceIdentity other = io.edgeauth.broker.testsupport.TestDevices.register(admin, "mtls-both-2");
        String assertion = io.edgeauth.device.ClientAssertions.builder(other)
                .audience(new JsonObject(admin.get("/.well-known/openid-configuration").body())
                        .getString("token_endpoint")).build().create();
        HttpResponse<String> r = HttpClient.newBuilder().sslContext(ssl(certified)).build().send(form(httpsUrl(),
                "grant_type=client_credentials&client_id=mtls-both-1&client_assertion_type="
                        + io.edgeauth.device.ClientAssertions.ASSERTION_TYPE + "&client_assertion=" + assertion),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
        assertThat(new JsonObject(r.body()).getString("error")).isEqualTo("invalid_client");
        assertThat(new JsonObject(r.body()).getString("error_description")).contains("client_id");
    }

    private static HttpRequest form(String base, String body) {
        return HttpRequest.newBuilder(URI.create(base + "/oauth/token")).timeout(Duration.ofSeconds(60))
                .header("content-type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static void refused(FleetPki.Issued device, String clientId, String reason) throws Exception {
        HttpResponse<String> r = token(device, clientId);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
        assertThat(r.body()).contains("invalid_client").contains(reason);
        assertThat(broker.registry().find(clientId)).isEmpty();
    }

    private static String httpsUrl() {
        return "https://localhost:" + broker.httpsPort();
    }

    private static HttpResponse<String> token(FleetPki.Issued device, String clientId) throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(ssl(device)).connectTimeout(Duration.ofSeconds(30)).build();
        return client.send(tokenRequest(httpsUrl(), clientId), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest tokenRequest(String base, String clientId) {
        return HttpRequest.newBuilder(URI.create(base + "/oauth/token")).timeout(Duration.ofSeconds(60))
                .header("content-type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&client_id=" + clientId)).build();
    }

    /** Trusts the server CA; presents {@code device}'s certificate when given. */
    private static SSLContext ssl(FleetPki.Issued device) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server-ca", serverCa.caCertificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (device != null) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("device", device.keys().getPrivate(), PASSWORD, new Certificate[] {device.cert()});
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, PASSWORD);
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return context;
    }

    private static DeviceMqttClient mqtt(String id, String token, FleetPki.Issued device, int port) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server-ca", serverCa.caCertificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        return DeviceMqttClient.builder().deviceId(id).serverHost("localhost").serverPort(port).token(bearer(token))
                .tls(tmf).clientCertificate(device.keys().getPrivate(), device.cert()).build();
    }

    private static AccessToken bearer(String jwt) {
        return new AccessToken(jwt, TokenFormat.JWT, "Bearer", null, Instant.now(), Instant.now().plusSeconds(600));
    }
}
