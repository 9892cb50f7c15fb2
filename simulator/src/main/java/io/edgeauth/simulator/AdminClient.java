package io.edgeauth.simulator;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Registers virtual devices with {@code POST /admin/devices} {@code {id, tenant, jwk}} and the admin
 * bearer credential. A 409 (the id exists from an earlier run, with another key) is answered with
 * {@code PUT /admin/devices/{id}}, which the broker offers to replace a registration. Thread-safe.
 */
final class AdminClient {
    private final HttpClient http;
    private final String base;
    private final String credential;

    AdminClient(HttpClient http, URI brokerUrl, String credential) {
        this.http = http;
        String s = brokerUrl.toString();
        this.base = s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
        this.credential = credential;
    }

    /** Completes when registered; fails with {@link RegistrationException} (reason {@code register:<status>}). */
    CompletableFuture<Void> register(String id, String tenant, JWK publicJwk) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id);
        body.put("tenant", tenant);
        body.put("jwk", publicJwk.toJSONObject());
        String json = JSONObjectUtils.toJSONString(body);
        return send(HttpRequest.newBuilder(URI.create(base + "/admin/devices")).POST(HttpRequest.BodyPublishers.ofString(json)))
                .thenCompose(status -> {
                    if (status == 409) {
                        return send(HttpRequest.newBuilder(URI.create(base + "/admin/devices/" + id)).PUT(HttpRequest.BodyPublishers.ofString(json)));
                    }
                    return CompletableFuture.completedFuture(status);
                })
                .thenAccept(status -> {
                    if (status / 100 != 2) {
                        throw new RegistrationException("register:" + status);
                    }
                });
    }

    private CompletableFuture<Integer> send(HttpRequest.Builder b) {
        HttpRequest r = b.header("Authorization", "Bearer " + credential)
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .build();
        return http.sendAsync(r, HttpResponse.BodyHandlers.discarding()).handle((response, error) -> {
            if (error != null) {
                Throwable t = error instanceof java.util.concurrent.CompletionException && error.getCause() != null ? error.getCause() : error;
                throw new RegistrationException(t instanceof java.net.http.HttpTimeoutException ? "register:timeout" : "register:io");
            }
            return response.statusCode();
        });
    }

    /** Registration refused; the message is the failure reason. */
    static final class RegistrationException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RegistrationException(String reason) {
            super(reason, null, false, false);
        }
    }
}
