package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.config.BrokerConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How the HTTP API serves: a server per core, endpoints off the event loop, shedding with 503, request metrics. */
class HttpServingTest {
    private final Vertx vertx = Vertx.vertx();
    private final HttpClient client = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        vertx.close().await();
    }

    @Test
    void endpointsRunOnWorkersAndAreTimedByRoute() throws Exception {
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        HttpApi api = new HttpApi(vertx);
        HttpServer server = api.listen(new BrokerConfig.Http("127.0.0.1", 0, 4, 100, 1)).await(10, TimeUnit.SECONDS);
        api.metrics(meters).mount(r -> r.get("/thread/:id").handler(ctx -> ctx.end(Thread.currentThread().getName())))
                .install();
        String base = "http://127.0.0.1:" + server.actualPort();

        HttpResponse<String> r = get(base + "/thread/7");
        assertThat(r.body()).as("endpoint thread").startsWith("edgeauth-http-worker");
        HttpResponse<String> nowhere = get(base + "/nowhere");
        assertThat(nowhere.statusCode()).isEqualTo(404);
        assertThat(nowhere.body()).contains("no such endpoint");
        HttpResponse<String> wrongMethod = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                .newBuilder(java.net.URI.create(base + "/thread/7")).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(wrongMethod.statusCode()).as("a known path with another method").isEqualTo(405);
        assertThat(api.serverCount()).isEqualTo(Math.max(1, Runtime.getRuntime().availableProcessors()));

        String metrics = get(base + "/metrics").body();
        assertThat(metrics).contains("edgeauth_http_requests_seconds_bucket{method=\"GET\",route=\"/thread/:id\","
                + "status=\"200\"");
        assertThat(metrics).contains("route=\"unmatched\",status=\"404\"");
        long buckets = metrics.lines().filter(l -> l.startsWith("edgeauth_http_requests_seconds_bucket{")
                && l.contains("route=\"/thread/:id\",status=\"200\"")).count();
        assertThat(buckets).as("14 bounds and +Inf per series, not Micrometer's 69").isEqualTo(15);
    }

    @Test
    void refusesWith503AndRetryAfterWhenTheWorkersAreFull() throws Exception {
        HttpApi api = new HttpApi(vertx);
        HttpServer server = api.listen(new BrokerConfig.Http("127.0.0.1", 0, 1, 1, 3)).await(10, TimeUnit.SECONDS);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        api.metrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)).mount(r -> r.get("/slow").handler(ctx -> {
            inside.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ctx.end("done");
        })).install();
        String base = "http://127.0.0.1:" + server.actualPort();

        CompletableFuture<HttpResponse<String>> slow = client.sendAsync(request(base + "/slow"),
                HttpResponse.BodyHandlers.ofString());
        assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();
        HttpResponse<String> refused = get(base + "/slow");
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("retry-after")).contains("3");
        assertThat(refused.body()).contains("temporarily_unavailable");
        assertThat(get(base + "/health/live").statusCode()).as("liveness is answered ahead of the worker queue")
                .isEqualTo(200);
        release.countDown();
        assertThat(slow.get(30, TimeUnit.SECONDS).body()).isEqualTo("done");
        assertThat(get(base + "/slow").statusCode()).as("served again once the queue drained").isEqualTo(200);
    }

    private HttpResponse<String> get(String url) throws Exception {
        return client.send(request(url), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest request(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build();
    }
}
