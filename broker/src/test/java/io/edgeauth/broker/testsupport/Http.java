package io.edgeauth.broker.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

/** A small blocking HTTP client for tests (the JDK's, so the broker is tested with a client we did not write). */
public final class Http {
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String bearer;

    public Http(String base, String bearer) {
        this.base = base;
        this.bearer = bearer;
        IssuedSecrets.record(bearer); // admin credentials and bearer tokens must never reach a log line
    }

    public HttpResponse<String> get(String path) {
        return send(request(path).GET());
    }

    /** {@code method} without a body (HEAD, PATCH, ...). */
    public HttpResponse<String> method(String method, String path) {
        return send(request(path).method(method, HttpRequest.BodyPublishers.noBody()));
    }

    public HttpResponse<String> delete(String path) {
        return send(request(path).DELETE());
    }

    public HttpResponse<String> postJson(String path, String json) {
        return send(request(path).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    public HttpResponse<String> postJsonPut(String path, String json) {
        return send(request(path).header("content-type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)));
    }

    public HttpResponse<String> postForm(String path, Map<String, String> form) {
        String body = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return send(request(path).header("content-type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** POST of {@code body} as it is, declared as {@code contentType} (null: no content type at all). */
    public HttpResponse<String> postRaw(String path, String contentType, byte[] body) {
        HttpRequest.Builder b = request(path);
        if (contentType != null) {
            b.header("content-type", contentType);
        }
        return send(b.POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10));
        if (bearer != null) {
            b.header("authorization", "Bearer " + bearer);
        }
        return b;
    }

    private HttpResponse<String> send(HttpRequest.Builder b) {
        try {
            HttpResponse<String> response = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            IssuedSecrets.recordFromJson(response.body());
            return response;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
