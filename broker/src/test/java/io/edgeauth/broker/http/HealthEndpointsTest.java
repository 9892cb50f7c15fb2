package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.config.BrokerConfig;
import io.edgeauth.broker.health.HealthChecks;
import io.edgeauth.broker.store.FullDiskFilePath;
import io.edgeauth.broker.store.MvStoreStore;
import io.edgeauth.broker.store.StoreUnavailableException;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store outage over HTTP, and the health endpoints: a store write that fails (disk full) reaches the client
 * as RFC 6749 {@code temporarily_unavailable} with 503 and Retry-After, never a 500; a store that closed itself
 * after a failed write makes the broker not ready (with the reason) and {@code /health} DEGRADED, yet alive;
 * once the disk frees, ready again and writes accepted without a restart. (Liveness while every worker is
 * busy: {@link HttpServingTest}.)
 */
class HealthEndpointsTest {
    @TempDir
    Path dir;
    private final Vertx vertx = Vertx.vertx();
    private final HttpClient client = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        FullDiskFilePath.full = false;
        vertx.close().await();
    }

    @Test
    void aFullDiskAnswers503WithRetryAfterAndRecovers() throws Exception {
        try (MvStoreStore store = FullDiskFilePath.store(dir.resolve("state.mv.db"), Clock.systemUTC())) {
            HttpApi api = new HttpApi(vertx);
            HttpServer server = api.listen(new BrokerConfig.Http("127.0.0.1", 0, 2, 100, 7))
                    .await(10, TimeUnit.SECONDS);
            api.metrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
                    .mount(r -> r.post("/write/:key").handler(ctx -> {
                        store.put("things", ctx.pathParam("key"), "v".getBytes(StandardCharsets.UTF_8), null);
                        ctx.response().setStatusCode(201).end();
                    }))
                    .install();
            String base = "http://127.0.0.1:" + server.actualPort();
            assertThat(post(base + "/write/a").statusCode()).isEqualTo(201);

            FullDiskFilePath.full = true;
            HttpResponse<String> refused = post(base + "/write/b");
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("retry-after")).contains("7");
            assertThat(refused.headers().firstValue("content-type")).contains("application/json");
            JsonObject body = new JsonObject(refused.body());
            assertThat(body.getString("error")).isEqualTo("temporarily_unavailable");
            assertThat(body.getString("error_description")).doesNotContain("Writing to", "state.mv.db");

            FullDiskFilePath.full = false;
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                    .until(() -> post(base + "/write/c").statusCode() == 201);
        }
    }

    @Test
    void aStoreThatFailedAWriteIsNotReadyButAliveUntilTheDiskFrees() throws Exception {
        try (MvStoreStore store = FullDiskFilePath.store(dir.resolve("state.mv.db"), Clock.systemUTC())) {
            HttpApi api = new HttpApi(vertx);
            HttpServer server = api.listen(new BrokerConfig.Http("127.0.0.1", 0, 2, 100, 1))
                    .await(10, TimeUnit.SECONDS);
            api.metrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
                    .health(() -> new JsonObject().put("store", "embedded"),
                            new HealthChecks().add("store", store::unavailableReason)
                                    .add("mqtt", HealthChecks.bound("mqtt", () -> 1883)))
                    .install();
            String base = "http://127.0.0.1:" + server.actualPort();
            assertThat(get(base + "/health/ready").statusCode()).isEqualTo(200);
            assertThat(json(base + "/health").getString("status")).isEqualTo("UP");

            FullDiskFilePath.full = true;
            try {
                store.put("devices", "d", "x".getBytes(StandardCharsets.UTF_8), null);
                throw new AssertionError("the write succeeded on a full disk");
            } catch (StoreUnavailableException expected) {
                // the file closed itself
            }
            HttpResponse<String> ready = get(base + "/health/ready");
            assertThat(ready.statusCode()).isEqualTo(503);
            JsonObject body = new JsonObject(ready.body());
            assertThat(body.getString("status")).isEqualTo("DOWN");
            assertThat(body.getJsonArray("degraded")).hasSize(1);
            assertThat(body.getJsonArray("degraded").getJsonObject(0).getString("component")).isEqualTo("store");
            assertThat(body.getJsonArray("degraded").getJsonObject(0).getString("reason")).contains("write failure");
            JsonObject health = json(base + "/health");
            assertThat(health.getString("status")).isEqualTo("DEGRADED");
            assertThat(health.getString("reason")).contains("write failure");
            assertThat(health.getString("store")).isEqualTo("embedded");
            assertThat(get(base + "/health/live").statusCode()).isEqualTo(200);

            FullDiskFilePath.full = false; // the readiness probe alone brings it back: nothing else writes
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                    .until(() -> get(base + "/health/ready").statusCode() == 200);
            assertThat(json(base + "/health").getString("status")).isEqualTo("UP");
            store.put("devices", "d", "x".getBytes(StandardCharsets.UTF_8), null);
        }
    }

    @Test
    void anUnboundListenerIsNotReady() throws Exception {
        HttpApi api = new HttpApi(vertx);
        HttpServer server = api.listen(new BrokerConfig.Http("127.0.0.1", 0, 2, 100, 1)).await(10, TimeUnit.SECONDS);
        api.health(JsonObject::new, new HealthChecks().add("coap", HealthChecks.bound("coap", () -> -1))).install();
        HttpResponse<String> ready = get("http://127.0.0.1:" + server.actualPort() + "/health/ready");
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).contains("coap listener is not bound");
    }

    private HttpResponse<String> post(String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }
    private JsonObject json(String url) throws Exception {
        return new JsonObject(get(url).body());
    }

    private HttpResponse<String> get(String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
