package io.edgeauth.broker.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.TestDevices;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet CA from config whose CRL file the operator replaces (a CA publishes a new CRL every few hours or days): the
 * running broker puts it in force without a restart or an admin call; an unusable file is refused and the CRL in use
 * stays; a CRL past its {@code nextUpdate} refuses the CA's chains and shows in {@code /metrics}. Before, the file was
 * read at start only, so onboarding stopped at the first CRL's {@code nextUpdate} until the next restart.
 */
class FleetCaFilesTest {
    @TempDir
    Path dir;

    @Test
    void aReplacedCrlFileIsPutInForceWithoutARestartAndABadOneIsRefused() throws Exception {
        FleetPki pki = new FleetPki("kappa fleet CA");
        FleetPki.Issued first = pki.device("kappa-1");
        FleetPki.Issued second = pki.device("kappa-2");
        Path caFile = Files.createDirectories(dir.resolve("pki")).resolve("kappa.pem");
        Path crlFile = dir.resolve("pki/kappa.crl");
        Files.writeString(caFile, FleetPki.pem(pki.caCertificate()));
        Files.writeString(crlFile, FleetPki.pem(pki.crl()));
        try (Broker broker = Broker.start(TestBrokers.config(dir.resolve("data"), Map.of(
                "EDGEAUTH_PROVISIONING_FLEET_CAS", "[{\"id\":\"kappa\",\"certificateFile\":\"" + caFile
                        + "\",\"crlFile\":\"" + crlFile + "\"}]",
                "EDGEAUTH_PROVISIONING_TEMPLATES", "{\"default\":{}}",
                "EDGEAUTH_COAP_PORT", "-1")))) {
            Http http = new Http("http://127.0.0.1:" + broker.httpPort(), null);
            Http admin = new Http("http://127.0.0.1:" + broker.httpPort(), broker.newAdminCredential().orElseThrow());
            String held = new JsonObject(token(broker, first, "kappa-1").body()).getString("access_token");
            String neighbours = new JsonObject(token(broker, second, "kappa-2").body()).getString("access_token");
            assertThat(TestDevices.active(admin, held)).isTrue();
            assertThat(http.get("/metrics").body()).contains("edgeauth_fleet_cas_crls_stale 0.0");

            replace(crlFile, FleetPki.pem(pki.crl(first.cert())));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                HttpResponse<String> r = token(broker, first, "kappa-1");
                assertThat(r.statusCode()).as("the new CRL lists kappa-1: " + r.body()).isEqualTo(401);
                assertThat(r.body()).contains("revoked");
            });
            assertThat(token(broker, second, "kappa-2").statusCode()).isEqualTo(200);
            assertThat(TestDevices.active(admin, held)).as("the token kappa-1 held ends with the new CRL").isFalse();
            assertThat(TestDevices.active(admin, neighbours)).as("kappa-2's, not listed").isTrue();

            Files.writeString(crlFile, "-----BEGIN X509 CRL-----\nnot a CRL\n-----END X509 CRL-----\n");
            Thread.sleep(2_000); // past the watcher's debounce: the bad file has been read and refused
            assertThat(token(broker, first, "kappa-1").body()).as("the CRL in force still lists kappa-1")
                    .contains("revoked");
            assertThat(token(broker, second, "kappa-2").statusCode()).isEqualTo(200);

            Instant now = Instant.now();
            replace(crlFile, FleetPki.pem(pki.crl(now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(1)))));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(http.get("/metrics").body()).contains("edgeauth_fleet_cas_crls_stale 1.0"));
            HttpResponse<String> stale = token(broker, pki.device("kappa-3"), "kappa-3");
            assertThat(stale.statusCode()).isEqualTo(401);
            assertThat(stale.body()).contains("stale");
        }
    }

    @Test
    void aLeafCertificateOrAnotherCasCrlInTheConfigIsRefusedAtStart() throws Exception {
        FleetPki pki = new FleetPki("lambda fleet CA");
        FleetPki.Issued leaf = pki.device("lambda-1");
        Path leafFile = Files.createDirectories(dir.resolve("pki")).resolve("leaf.pem");
        Files.writeString(leafFile, FleetPki.pem(leaf.cert()));
        assertThatThrownBy(() -> Broker.start(config("[{\"id\":\"leaf\",\"certificateFile\":\"" + leafFile + "\"}]")))
                .as("a device certificate as a CA: whoever holds its key could mint devices")
                .hasStackTraceContaining("provisioning.fleetCas 'leaf': certificate: not a CA certificate");

        Path caFile = dir.resolve("pki/lambda.pem");
        Files.writeString(caFile, FleetPki.pem(pki.caCertificate()));
        Path foreign = dir.resolve("pki/foreign.crl");
        Files.writeString(foreign, FleetPki.pem(new FleetPki("mu fleet CA").crl()));
        assertThatThrownBy(() -> Broker.start(config("[{\"id\":\"lambda\",\"certificateFile\":\"" + caFile
                + "\",\"crlFile\":\"" + foreign + "\"}]")))
                .as("another CA's CRL would refuse every device as 'undetermined'")
                .hasStackTraceContaining("provisioning.fleetCas 'lambda': crl: no CRL of this CA");

        assertThatThrownBy(() -> Broker.start(config("[{\"id\":\"lambda\",\"certificateFile\":\"" + caFile
                + "\"},{\"id\":\"lambda-2\",\"certificateFile\":\"" + caFile + "\"}]")))
                .as("one CA under two ids: a CRL given to one would be bypassed through the other")
                .hasStackTraceContaining("provisioning.fleetCas 'lambda-2': the same CA (subject and key) as 'lambda'");
    }

    private io.edgeauth.broker.config.BrokerConfig config(String fleetCas) {
        return TestBrokers.config(dir.resolve("data"), Map.of("EDGEAUTH_PROVISIONING_FLEET_CAS", fleetCas,
                "EDGEAUTH_PROVISIONING_TEMPLATES", "{\"default\":{}}", "EDGEAUTH_COAP_PORT", "-1"));
    }

    /** Writes {@code text} beside {@code file} and renames it over {@code file}, as a CRL fetcher would. */
    private static void replace(Path file, String text) throws Exception {
        Path next = file.resolveSibling(file.getFileName() + ".next");
        Files.writeString(next, text);
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static HttpResponse<String> token(Broker broker, FleetPki.Issued device, String id) throws Exception {
        return ZeroTouchTest.tokenFrom(broker, id, device.keys().getPrivate(), List.of(device.cert()));
    }
}
