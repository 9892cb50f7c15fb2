package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.edgeauth.broker.config.BrokerConfig;
import io.edgeauth.broker.store.StoreUnavailableException;
import io.edgeauth.broker.testsupport.LogCapture;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Tour O, F10: during a store outage every refused request logged its own WARN line; now a few per outage. */
class StoreOutageLogTest {
    private final Vertx vertx = Vertx.vertx();

    @AfterEach
    void stop() {
        vertx.close().await();
    }

    @Test
    void requestsRefusedDuringAnOutageDoNotEachLogAWarning() throws Exception {
        HttpApi api = new HttpApi(vertx);
        HttpServer server = api.listen(new BrokerConfig.Http("127.0.0.1", 0, 2, 100, 7)).await(10, TimeUnit.SECONDS);
        api.metrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
                .mount(r -> r.post("/write").handler(ctx -> {
                    throw new StoreUnavailableException("shared store get failed: timeout", null);
                }))
                .install();
        HttpClient client = HttpClient.newHttpClient();
        try (LogCapture log = LogCapture.of(HttpApi.class)) {
            for (int i = 0; i < 30; i++) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + server.actualPort() + "/write")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(503);
            }
            assertThat(log.events()).filteredOn(e -> e.getLevel() == Level.WARN).hasSize(1)
                    .allSatisfy(e -> assertThat(e.getFormattedMessage()).contains("refused with 503")
                            .contains("shared store get failed"));
        }
    }
}
