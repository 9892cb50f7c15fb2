package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.config.BrokerConfig;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store write that fails (disk full) reaches the client as RFC 6749 {@code temporarily_unavailable}
 * with 503 and Retry-After, never as a 500; once the disk frees, the same request succeeds.
 */
class StoreOutageHttpTest {
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

    private HttpResponse<String> post(String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
