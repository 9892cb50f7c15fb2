package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.IssuedSecrets;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tour Z, Z7: wrong admin credentials were answered 401 at any rate. Now {@code http.adminFailuresPerAddressPerMinute}
 * (20) wrong ones from one source address are answered 401, and further requests from that address 429 {@code slow_down}
 * with {@code Retry-After} until the bucket refills, a correct credential included (else the bound would mean nothing);
 * another address's correct credential is never slowed. The addresses are clients a trusted proxy names.
 */
class AdminCredentialThrottleTest {
    private static final String A = "198.51.100.7";
    private static final String B = "198.51.100.8";

    @TempDir
    Path dir;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void wrongCredentialsFromOneAddressAreHeldBackWithoutSlowingAnother() throws Exception {
        Path audit = dir.resolve("audit.log");
        try (Broker broker = Broker.start(TestBrokers.config(dir.resolve("data"), Map.of(
                "EDGEAUTH_HTTP_TRUSTED_PROXIES", "[127.0.0.1]", "EDGEAUTH_AUDIT_FILE", audit.toString())))) {
            String base = "http://127.0.0.1:" + broker.httpPort();
            String admin = broker.newAdminCredential().orElseThrow();
            IssuedSecrets.record(admin);
            for (int i = 0; i < 20; i++) {
                assertThat(get(base, A, "ea_admin_wrong" + i).statusCode()).as("failure %d", i).isEqualTo(401);
            }
            HttpResponse<String> held = get(base, A, "ea_admin_wrong");
            assertThat(held.statusCode()).isEqualTo(429);
            assertThat(new JsonObject(held.body()).getString("error")).isEqualTo("slow_down");
            assertThat(Long.parseLong(held.headers().firstValue("retry-after").orElseThrow()))
                    .as("one failure back every 3 s at 20 a minute").isBetween(1L, 3L);
            assertThat(get(base, A, admin).statusCode()).as("the right credential from a held-back address")
                    .isEqualTo(429);
            assertThat(introspect(base, A, "ea_admin_guess").statusCode())
                    .as("introspection takes the admin credential too: no way around the bound").isEqualTo(429);
            assertThat(get(base, B, admin).statusCode()).as("another address").isEqualTo(200);
            assertThat(get(base, B, "ea_admin_typo").statusCode()).isEqualTo(401);
            assertThat(get(base, B, admin).statusCode()).isEqualTo(200);
        }
        List<JsonObject> refused = Files.readAllLines(audit).stream().map(JsonObject::new)
                .filter(e -> "admin.refused".equals(e.getString("event"))).toList();
        assertThat(refused).filteredOn(e -> "invalid_token".equals(e.getString("outcome"))).hasSize(21);
        assertThat(refused).filteredOn(e -> "rate_limited".equals(e.getString("outcome"))).hasSize(3)
                .allSatisfy(e -> assertThat(e.getString("remote")).startsWith(A));
    }

    @Test
    void theBoundIsASetting() throws Exception {
        try (Broker broker = Broker.start(TestBrokers.config(dir.resolve("data"), Map.of(
                "EDGEAUTH_HTTP_TRUSTED_PROXIES", "[127.0.0.1]",
                "EDGEAUTH_HTTP_ADMIN_FAILURES_PER_ADDRESS_PER_MINUTE", "2")))) {
            String base = "http://127.0.0.1:" + broker.httpPort();
            assertThat(get(base, A, null).statusCode()).as("no credential is a wrong one").isEqualTo(401);
            assertThat(get(base, A, "ea_admin_x").statusCode()).isEqualTo(401);
            HttpResponse<String> held = get(base, A, "ea_admin_y");
            assertThat(held.statusCode()).isEqualTo(429);
            assertThat(Long.parseLong(held.headers().firstValue("retry-after").orElseThrow())).isBetween(20L, 30L);
        }
    }

    private HttpResponse<String> get(String base, String from, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/admin/services"))
                .header("x-forwarded-for", from).timeout(Duration.ofSeconds(10));
        if (bearer != null) {
            b.header("authorization", "Bearer " + bearer);
        }
        return client.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> introspect(String base, String from, String bearer) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(base + "/oauth/introspect"))
                .header("x-forwarded-for", from).header("authorization", "Bearer " + bearer)
                .header("content-type", "application/x-www-form-urlencoded").timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString("token=x")).build(), HttpResponse.BodyHandlers.ofString());
    }
}
