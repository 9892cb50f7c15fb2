package io.edgeauth.broker.http;

import static io.edgeauth.broker.tls.TlsTestFiles.PASS;
import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.provisioning.FleetPki;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.tls.TlsTestFiles;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code POST /admin/tls/reload}: admin only, answers what is served now, refuses bad files keeping the old ones. */
class TlsReloadApiTest {
    @TempDir
    Path dir;

    @Test
    void reloadsTheMqttTlsMaterialForTheAdminOnly() throws Exception {
        FleetPki serverCa = new FleetPki("server CA");
        FleetPki deviceCa = new FleetPki("device CA");
        FleetPki.Issued first = TlsTestFiles.server(serverCa);
        Path store = TlsTestFiles.pkcs12(dir.resolve("server.p12"), first);
        Path trust = TlsTestFiles.pem(dir.resolve("trust.pem"), deviceCa.caCertificate());
        Path crl = TlsTestFiles.pem(dir.resolve("crl.pem"), deviceCa.crl());
        Files.createDirectories(dir.resolve("data"));
        Map<String, String> env = Map.of("EDGEAUTH_MQTT_TLS_PORT", "0", "EDGEAUTH_MQTT_KEY_STORE", store.toString(),
                "EDGEAUTH_MQTT_KEY_STORE_PASSWORD", PASS, "EDGEAUTH_MQTT_TRUST_STORE", trust.toString(),
                "EDGEAUTH_MQTT_CRL", crl.toString(), "EDGEAUTH_MQTT_CLIENT_AUTH", "required");
        try (io.edgeauth.broker.testsupport.LogCapture log = io.edgeauth.broker.testsupport.LogCapture.root();
             Broker broker = Broker.start(TestBrokers.config(dir.resolve("data"), env))) {
            String base = "http://localhost:" + broker.httpPort();
            Http admin = new Http(base, broker.newAdminCredential().orElseThrow());
            assertThat(new Http(base, null).postJson(TlsAdminApi.PATH, "{}").statusCode()).isEqualTo(401);
            assertThat(new Http(base, "not-the-credential").postJson(TlsAdminApi.PATH, "{}").statusCode()).isEqualTo(401);

            FleetPki.Issued second = TlsTestFiles.server(serverCa);
            TlsTestFiles.pkcs12(store, second);
            TlsTestFiles.pem(crl, deviceCa.crl(deviceCa.device("lost").cert()));
            HttpResponse<String> ok = admin.postJson(TlsAdminApi.PATH, "{}");
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            JsonObject mqtt = new JsonObject(ok.body()).getJsonObject("listeners").getJsonObject("mqtt");
            assertThat(mqtt.getString("serverSerial")).isEqualTo(second.cert().getSerialNumber().toString(16));
            assertThat(mqtt.getString("serverSha256")).isEqualTo(io.edgeauth.broker.tls.TlsMaterial.sha256(second.cert()));
            assertThat(mqtt.getString("serverNotAfter")).isEqualTo(second.cert().getNotAfter().toInstant().toString());
            assertThat(mqtt.getInteger("trustAnchors")).isEqualTo(1);
            assertThat(mqtt.getInteger("revokedEntries")).isEqualTo(1);

            TlsTestFiles.pkcs12(store, TlsTestFiles.server(serverCa));
            Files.writeString(crl, "-----BEGIN X509 CRL-----\nbm90IGEgQ1JM\n-----END X509 CRL-----\n");
            HttpResponse<String> refused = admin.postJson(TlsAdminApi.PATH, "{}");
            assertThat(refused.statusCode()).isEqualTo(422);
            assertThat(new JsonObject(refused.body()).getString("error")).isEqualTo("invalid_tls_material");
            assertThat(refused.body()).contains("mqtt.crl").contains("crl.pem");

            TlsTestFiles.pem(crl, deviceCa.crl());
            HttpResponse<String> again = admin.postJson(TlsAdminApi.PATH, "{}");
            assertThat(new JsonObject(again.body()).getJsonObject("listeners").getJsonObject("mqtt")
                    .getInteger("revokedEntries")).isZero();
            // the admin's reloads, done or refused, name the request's source address (tour Z, Z2)
            org.awaitility.Awaitility.await().untilAsserted(() -> assertThat(log.events().stream()
                    .map(e -> e.getFormattedMessage()).filter(m -> m.contains("\"tls.reloaded\"")
                            && m.contains("\"remote\":\"127.0.0.1:")).map(m -> new JsonObject(m).getString("outcome"))
                    .toList()).contains("ok", "refused"));
        }
    }

    @Test
    void withoutATlsListenerThereIsNothingToReload() throws Exception {
        Files.createDirectories(dir.resolve("data"));
        try (Broker broker = Broker.start(TestBrokers.config(dir.resolve("data")))) {
            Http admin = new Http("http://localhost:" + broker.httpPort(), broker.newAdminCredential().orElseThrow());
            HttpResponse<String> r = admin.postJson(TlsAdminApi.PATH, "{}");
            assertThat(r.statusCode()).isEqualTo(409);
            assertThat(r.body()).contains("no TLS listener");
        }
    }
}
