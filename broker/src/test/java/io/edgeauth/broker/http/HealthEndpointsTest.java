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
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Liveness, readiness and {@code /health}: a store that closed itself after a failed write makes the broker
 * not ready (with the reason) and {@code /health} DEGRADED, yet alive; once the disk frees, ready again
 * without a restart. Liveness answers even when every worker is busy.
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

    @Test
    void livenessAnswersWhileEveryWorkerIsBusy() throws Exception {
        HttpApi api = new HttpApi(vertx);
        HttpServer server = api.listen(new BrokerConfig.Http("127.0.0.1", 0, 1, 1, 1)).await(10, TimeUnit.SECONDS);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        api.health(JsonObject::new, new HealthChecks()).mount(r -> r.get("/slow").handler(ctx -> {
            inside.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ctx.end("done");
        })).install();
        String base = "http://127.0.0.1:" + server.actualPort();
        CompletableFuture<HttpResponse<String>> slow = client.sendAsync(
                HttpRequest.newBuilder(URI.create(base + "/slow")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();
        try {
            assertThat(get(base + "/health/ready").statusCode()).as("readiness is shed with the rest").isEqualTo(503);
            assertThat(get(base + "/health/live").statusCode()).isEqualTo(200);
        } finally {
            release.countDown();
        }
        assertThat(slow.get(30, TimeUnit.SECONDS).body()).isEqualTo("done");
    }

    private JsonObject json(String url) throws Exception {
        return new JsonObject(get(url).body());
    }

    private HttpResponse<String> get(String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
