package io.edgeauth.broker.provisioning;

import static io.edgeauth.broker.tls.TlsTestFiles.PASS;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.util.X509CertUtils;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.tls.TlsTestFiles;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RFC 8705 {@code tls_client_auth} after {@code http.tls.crl} came to list the device's certificate: the handshake is
 * the only place the listener's trust store and CRL were checked, so an HTTPS connection from before the reload (kept
 * alive, or a resumed TLS session) went on getting certificate-bound tokens. MQTT re-checks such a certificate at
 * CONNECT and CoAP at {@code /token} (tour AF, AF8); now {@code /oauth/token} does too.
 */
class MtlsTokenAfterCrlReloadTest {
    @TempDir
    Path dir;

    @Test
    void aConnectionFromBeforeTheReloadGetsNoTokenForARevokedCertificate() throws Exception {
        FleetPki serverCa = new FleetPki("server CA");
        FleetPki deviceCa = new FleetPki("device CA");
        FleetPki.Issued device = deviceCa.device("crl-dev-1");
        Path store = TlsTestFiles.pkcs12(dir.resolve("server.p12"), TlsTestFiles.server(serverCa));
        Path trust = TlsTestFiles.pem(dir.resolve("trust.pem"), deviceCa.caCertificate());
        Path crl = TlsTestFiles.pem(dir.resolve("crl.pem"), deviceCa.crl());
        try (Broker broker = Broker.start(TestBrokers.config(dir.resolve("data"), Map.of(
                "EDGEAUTH_HTTP_TLS_PORT", "0", "EDGEAUTH_HTTP_TLS_KEY_STORE", store.toString(),
                "EDGEAUTH_HTTP_TLS_KEY_STORE_PASSWORD", PASS, "EDGEAUTH_HTTP_TLS_TRUST_STORE", trust.toString(),
                "EDGEAUTH_HTTP_TLS_CRL", crl.toString(), "EDGEAUTH_COAP_PORT", "-1")))) {
            Http admin = new Http("http://127.0.0.1:" + broker.httpPort(), broker.newAdminCredential().orElseThrow());
            String x5t = X509CertUtils.computeSHA256Thumbprint(device.cert()).toString();
            assertThat(admin.postJson("/admin/devices", new JsonObject().put("id", "crl-dev-1").put("x5tS256", x5t)
                    .encode()).statusCode()).isEqualTo(201);
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(ssl(serverCa, device))
                    .connectTimeout(Duration.ofSeconds(30)).build();
            HttpRequest token = HttpRequest.newBuilder(URI.create("https://localhost:" + broker.httpsPort() + "/oauth/token"))
                    .timeout(Duration.ofSeconds(60)).header("content-type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&client_id=crl-dev-1")).build();
            HttpResponse<String> before = client.send(token, HttpResponse.BodyHandlers.ofString());
            assertThat(before.statusCode()).as(before.body()).isEqualTo(200);

            TlsTestFiles.pem(crl, deviceCa.crl(device.cert()));
            HttpResponse<String> reloaded = admin.postJson("/admin/tls/reload", "{}");
            assertThat(reloaded.statusCode()).as(reloaded.body()).isEqualTo(200);

            HttpResponse<String> after = client.send(token, HttpResponse.BodyHandlers.ofString());
            assertThat(after.statusCode()).as("the same connection, its certificate revoked: %s", after.body())
                    .isEqualTo(401);
            assertThat(after.body()).doesNotContain("access_token").contains("invalid_client").contains("revoked");
        }
    }

    /** Trusts the server CA; presents {@code device}'s certificate. */
    private static SSLContext ssl(FleetPki serverCa, FleetPki.Issued device) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server-ca", serverCa.caCertificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("device", device.keys().getPrivate(), PASS.toCharArray(), new Certificate[] {device.cert()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, PASS.toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return context;
    }
}
