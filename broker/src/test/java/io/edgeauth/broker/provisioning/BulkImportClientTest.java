package io.edgeauth.broker.provisioning;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The CLI's client against a stand-in server: results stream in, the summary line ends the import. */
class BulkImportClientTest {
    private final Vertx vertx = Vertx.vertx();
    private final List<HttpServerResponse> open = new CopyOnWriteArrayList<>();
    private HttpServer server;

    @BeforeEach
    void start() {
        // answers every record, then the summary, and never ends the response (as if its end were lost)
        server = vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
            HttpServerResponse response = request.response().setChunked(true)
                    .putHeader("content-type", "application/x-ndjson");
            int n = 0;
            for (String line : body.toString().split("\n")) {
                response.write("{\"line\":" + ++n + ",\"status\":\"created\",\"deviceId\":\""
                        + line.replaceAll("\\W", "") + "\"}\n");
            }
            response.write("{\"summary\":{\"created\":" + n + ",\"updated\":0,\"refused\":0}}\n");
            open.add(response);
        })).listen(0, "127.0.0.1").await();
    }

    @AfterEach
    void stop() {
        vertx.close().await();
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void theSummaryLineEndsTheImportEvenWhenTheResponseNeverEnds(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("fleet.ndjson"), "{\"id\":\"a-1\"}\n{\"id\":\"a-2\"}\n");
        List<String> results = new CopyOnWriteArrayList<>();
        try (BulkImportClient client = new BulkImportClient()) {
            BulkImportClient.Summary summary = client.importFile(
                    URI.create("http://127.0.0.1:" + server.actualPort() + "/"), "secret", file, results::add);
            assertThat(summary.status()).isEqualTo(200);
            assertThat(summary.summary().getLong("created")).isEqualTo(2L);
            assertThat(summary.anyRefused()).isFalse();
        }
        assertThat(results).hasSize(2).allMatch(line -> line.contains("\"created\""));
        assertThat(open).hasSize(1); // the server never ended it
    }
}
