package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.admin.AdminCredential;
import io.edgeauth.broker.audit.AuditLog;
import io.edgeauth.broker.config.BrokerConfig;
import io.edgeauth.broker.config.ConfigLoader;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.registry.DeviceValidator;
import io.edgeauth.broker.revocation.AccessReevaluation;
import io.edgeauth.broker.revocation.RevocationService;
import io.edgeauth.broker.store.FullDiskFilePath;
import io.edgeauth.broker.store.MvStoreStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API on a full disk: a registration answered 503 is not there afterwards (GET 404), its retry once the disk
 * frees is answered 201 (not 409 "exists"), and a PUT answered 503 leaves the old credential (tour P, F3; tour O, F6).
 */
class RefusedRegistrationApiTest {
    @TempDir
    Path dir;

    private final Vertx vertx = Vertx.vertx();
    private final HttpClient client = HttpClient.newHttpClient();
    private String base;
    private String bearer;

    @AfterEach
    void stop() {
        FullDiskFilePath.full = false;
        vertx.close().await();
    }

    @Test
    void aRegistrationAnswered503IsNotLiveAndItsRetryCreatesIt() throws Exception {
        BrokerConfig config = new ConfigLoader().load(null, Map.of());
        Clock clock = Clock.systemUTC();
        try (MvStoreStore store = FullDiskFilePath.store(dir.resolve("state.mv.db"), clock)) {
            AdminCredential credential = AdminCredential.loadOrCreate(dir);
            bearer = credential.createdNow().orElseThrow();
            HttpApi api = new HttpApi(vertx);
            HttpServer server = api.listen(new BrokerConfig.Http("127.0.0.1", 0, 2, 100, 1))
                    .await(10, TimeUnit.SECONDS);
            DeviceRegistry registry = new DeviceRegistry(store);
            RevocationService revocations = new RevocationService(store, clock, Duration.ofMinutes(10),
                    Duration.ofSeconds(30));
            // as the broker wires it: a new credential ends the device's sessions, by a revocation on the same disk
            registry.onAccessChange(new AccessReevaluation(revocations, AuditLog.NOOP)::changed);
            api.metrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
                    .admin(credential, registry,
                            new DeviceValidator(config.tenantIds(), config.ratePlans().keySet(), clock),
                            revocations, null, null, AuditLog.NOOP)
                    .install();
            base = "http://127.0.0.1:" + server.actualPort();
            assertThat(send("POST", "/admin/devices", device("kept", 'K')).statusCode()).isEqualTo(201);

            FullDiskFilePath.full = true;
            assertThat(send("POST", "/admin/devices", device("ghost", 'G')).statusCode()).isEqualTo(503);
            assertThat(send("GET", "/admin/devices/ghost", null).statusCode()).isEqualTo(404);
            assertThat(send("PUT", "/admin/devices/kept", device("kept", 'N')).statusCode()).isEqualTo(503);
            assertThat(thumbprint("kept")).isEqualTo("K".repeat(43));

            FullDiskFilePath.full = false;
            int[] retried = new int[1];
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                    .until(() -> (retried[0] = send("POST", "/admin/devices", device("ghost", 'G')).statusCode()) != 503);
            assertThat(retried[0]).as("the retry the 503 asked for creates it, not 409 'exists'").isEqualTo(201);
            assertThat(thumbprint("ghost")).isEqualTo("G".repeat(43));
            assertThat(thumbprint("kept")).isEqualTo("K".repeat(43));
        }
    }

    private static String device(String id, char thumbprint) {
        return new JsonObject().put("id", id).put("x5tS256", String.valueOf(thumbprint).repeat(43)).encode();
    }

    private String thumbprint(String id) throws Exception {
        HttpResponse<String> got = send("GET", "/admin/devices/" + id, null);
        assertThat(got.statusCode()).isEqualTo(200);
        return new JsonObject(got.body()).getString("x5tS256");
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("authorization", "Bearer " + bearer)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("content-type", "application/json");
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
