package io.edgeauth.broker.provisioning;

import io.vertx.core.Vertx;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Streams an NDJSON file to a running broker's {@code POST /admin/devices:bulk} and hands each result
 * line to a consumer as it arrives (upload and results flow at the same time, so neither side holds the
 * file; a client that read results only after sending everything would stall a large import).
 */
public final class BulkImportClient implements AutoCloseable {
    private final Vertx vertx = Vertx.vertx();
    private final HttpClient http = vertx.createHttpClient();

    /** What the import ended with: the broker's summary line, or the HTTP status of a refused request. */
    public record Summary(int status, JsonObject summary, String error) {
        public boolean anyRefused() {
            return summary == null || summary.getLong("refused", 0L) > 0;
        }
    }

    /**
     * @param brokerUrl  the broker's base URL
     * @param credential the admin bearer credential
     * @param file       the NDJSON file
     * @param results    receives every result line (not the summary)
     */
    public Summary importFile(URI brokerUrl, String credential, Path file, Consumer<String> results) throws Exception {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST)
                .setAbsoluteURI(brokerUrl.toString().replaceAll("/+$", "") + "/admin/devices:bulk")
                .putHeader("authorization", "Bearer " + credential)
                .putHeader("content-type", "application/x-ndjson")
                .setIdleTimeout(120_000);
        JsonObject[] summary = new JsonObject[1];
        StringBuilder errorBody = new StringBuilder();
        int status = vertx.fileSystem().open(file.toString(), new OpenOptions().setRead(true).setWrite(false))
                .compose(body -> http.request(options).compose(request -> request.send((AsyncFile) body)))
                .compose(response -> read(response, summary, errorBody, results).map(response.statusCode()))
                .await(24, TimeUnit.HOURS);
        return new Summary(status, summary[0], status == 200 ? null : errorBody.toString());
    }

    private static io.vertx.core.Future<Void> read(HttpClientResponse response, JsonObject[] summary,
                                                   StringBuilder errorBody, Consumer<String> results) {
        io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
        response.endHandler(v -> done.tryComplete());
        response.exceptionHandler(done::tryFail);
        if (response.statusCode() != 200) { // one JSON error, without a final newline: read as it comes, bounded
            response.handler(b -> {
                if (errorBody.length() < 4096) {
                    errorBody.append(b.toString(java.nio.charset.StandardCharsets.UTF_8));
                }
            });
            return done.future();
        }
        RecordParser lines = RecordParser.newDelimited("\n", line -> {
            String text = line.toString();
            if (text.startsWith("{\"summary\"")) {
                summary[0] = new JsonObject(text).getJsonObject("summary");
                // the summary is the broker's last line: done without waiting for the response's end, which
                // Vert.x 5.0.7's client can drop (eclipse-vertx/vert.x#6038)
                done.tryComplete();
            } else {
                results.accept(text);
            }
        });
        response.handler(lines);
        return done.future();
    }

    @Override
    public void close() {
        vertx.close().await();
    }
}
