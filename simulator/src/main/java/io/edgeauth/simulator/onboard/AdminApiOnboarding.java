package io.edgeauth.simulator.onboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgeauth.device.DeviceIdentity;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The broker's admin API as the simulator uses it: {@code POST /admin/devices {id, tenant, jwk}} (a 409
 * from an earlier run is answered with {@code PUT /admin/devices/{id}}, which replaces the record),
 * and {@code POST /admin/revocations {sub, reason}} for the revocation scenarios. Thread-safe.
 */
public final class AdminApiOnboarding implements Onboarding {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http;
    private final String base;
    private final String credential;

    public AdminApiOnboarding(HttpClient http, URI brokerUrl, String credential) {
        this.http = http;
        String s = brokerUrl.toString();
        this.base = s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
        this.credential = credential;
    }

    @Override
    public String name() {
        return "admin-api";
    }

    @Override
    public CompletableFuture<Void> onboard(DeviceIdentity device, String tenant) {
        String json = deviceJson(device, tenant);
        return send("register", HttpRequest.newBuilder(URI.create(base + "/admin/devices"))
                .POST(HttpRequest.BodyPublishers.ofString(json)))
                .thenCompose(status -> status == 409 ? put(device, tenant) : ok("register", status));
    }

    /** {@code PUT /admin/devices/{id}}: (re)places the record, e.g. into another tenant. */
    public CompletableFuture<Void> put(DeviceIdentity device, String tenant) {
        return put(device, tenant, List.of());
    }

    /** As above, the record restricted to the GeoHash cells {@code region} (its tokens carry them as {@code geo}). */
    public CompletableFuture<Void> put(DeviceIdentity device, String tenant, List<String> region) {
        return send("update", HttpRequest.newBuilder(URI.create(base + "/admin/devices/" + device.deviceId()))
                .PUT(HttpRequest.BodyPublishers.ofString(deviceJson(device, tenant, region))))
                .thenCompose(status -> ok("update", status));
    }

    /** {@code POST /admin/revocations {sub, reason}}: the subject's tokens and live sessions end. */
    public CompletableFuture<Void> revokeSubject(String subject, String reason) {
        String json = toJson(Map.of("sub", subject, "reason", reason));
        return send("revoke", HttpRequest.newBuilder(URI.create(base + "/admin/revocations"))
                .POST(HttpRequest.BodyPublishers.ofString(json)))
                .thenCompose(status -> ok("revoke", status));
    }

    private static String deviceJson(DeviceIdentity device, String tenant) {
        return deviceJson(device, tenant, List.of());
    }

    private static String deviceJson(DeviceIdentity device, String tenant, List<String> region) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", device.deviceId());
        body.put("tenant", tenant);
        body.put("jwk", device.publicJwk().toJSONObject());
        if (!region.isEmpty()) {
            body.put("region", region);
        }
        return toJson(body);
    }

    private static String toJson(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A 2xx or the call's failure; a 401 says what it means (the admin credential was refused), not only its number. */
    static CompletableFuture<Void> ok(String what, int status) {
        return status / 100 == 2 ? CompletableFuture.completedFuture(null)
                : CompletableFuture.failedFuture(new AdminApiException(what + ":"
                        + (status == 401 ? "admin_credential_refused" : Integer.toString(status))));
    }

    private CompletableFuture<Integer> send(String what, HttpRequest.Builder b) {
        HttpRequest r = b.header("Authorization", "Bearer " + credential)
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .build();
        return http.sendAsync(r, HttpResponse.BodyHandlers.discarding()).handle((response, error) -> {
            if (error != null) {
                Throwable t = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                throw new AdminApiException(what + (t instanceof HttpTimeoutException ? ":timeout" : ":io"), t);
            }
            return response.statusCode();
        });
    }
}
