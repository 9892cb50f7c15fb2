package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.config.ConfigException;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.device.DeviceIdentity;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, hole 4: a device may only grant itself the scopes its tenant's allowlist
 * ({@code tenants[].selfServiceScopes}) names, the token response says which it got, and
 * {@code /oauth/introspect} answers a token-holding caller only about tokens of its own tenant.
 */
class SelfServiceScopeTest {
    @TempDir
    Path dataDir;

    static DeviceIdentity register(Http admin, String id, String tenant) {
        return TestDevices.register(admin, id, tenant);
    }

    static JsonObject token(Http http, String base, DeviceIdentity device, String scope) {
        HttpResponse<String> r = TestDevices.clientCredentials(http, base, device, scope);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new JsonObject(r.body());
    }

    @Test
    void withoutAnAllowlistNoScopeIsSelfServiceAndNoDeviceMayIntrospect() {
        try (Broker broker = Broker.start(TestBrokers.config(dataDir))) {
            String base = "http://localhost:" + broker.httpPort();
            Http admin = new Http(base, broker.newAdminCredential().orElseThrow());
            Http anonymous = new Http(base, null);
            DeviceIdentity device = register(admin, "sc-greedy", "default");
            JsonObject answer = token(anonymous, base, device, "introspect telemetry");
            assertThat(answer.getString("scope", "")).as("granted scope in the answer").doesNotContain("introspect");
            String token = answer.getString("access_token");
            JsonObject view = new JsonObject(admin.postForm("/oauth/introspect", Map.of("token", token)).body());
            assertThat(view.getString("scope", "")).doesNotContain("introspect");
            HttpResponse<String> r = new Http(base, token).postForm("/oauth/introspect", Map.of("token", token));
            // a valid token without the privilege: 403 insufficient_scope (RFC 6750 §3.1); it was 401 invalid_client
            assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
        }
    }

    @Test
    void anAllowlistedIntrospectScopeSeesOnlyItsOwnTenant() {
        try (Broker broker = Broker.start(TestBrokers.config(dataDir, Map.of("EDGEAUTH_TENANTS",
                "[{\"id\":\"default\",\"selfServiceScopes\":[\"introspect\",\"telemetry\"]},{\"id\":\"acme\"}]")))) {
            String base = "http://localhost:" + broker.httpPort();
            Http admin = new Http(base, broker.newAdminCredential().orElseThrow());
            Http anonymous = new Http(base, null);
            DeviceIdentity monitor = register(admin, "sc-monitor", "default");
            JsonObject granted = token(anonymous, base, monitor, "introspect telemetry firmware");
            assertThat(granted.getString("scope")).isEqualTo("introspect telemetry");
            Http caller = new Http(base, granted.getString("access_token"));

            String sameTenant = token(anonymous, base, register(admin, "sc-pump", "default"), null).getString("access_token");
            String otherTenant = token(anonymous, base, register(admin, "sc-acme", "acme"), null).getString("access_token");
            assertThat(new JsonObject(caller.postForm("/oauth/introspect", Map.of("token", sameTenant)).body())
                    .getBoolean("active")).isTrue();
            JsonObject foreign = new JsonObject(caller.postForm("/oauth/introspect", Map.of("token", otherTenant)).body());
            assertThat(foreign.getBoolean("active")).as("another tenant's token").isFalse();
            assertThat(foreign.fieldNames()).containsExactly("active");
            // the admin credential sees every tenant
            assertThat(new JsonObject(admin.postForm("/oauth/introspect", Map.of("token", otherTenant)).body())
                    .getBoolean("active")).isTrue();
            // acme has no allowlist: its devices get no self-service scope
            DeviceIdentity acme = register(admin, "sc-acme-2", "acme");
            assertThat(token(anonymous, base, acme, "introspect").getString("scope", "")).isEmpty();
        }
    }

    @Test
    void anAllowlistMayNotHoldTopicGrantsOrMalformedScopes() {
        for (String bad : new String[] {"[\"pub:d/#\"]", "[\"a b\"]", "[\"\"]", "[\"" + "x".repeat(65) + "\"]"}) {
            assertThatThrownBy(() -> TestBrokers.config(dataDir, Map.of("EDGEAUTH_TENANTS",
                    "[{\"id\":\"default\",\"selfServiceScopes\":" + bad + "}]")))
                    .as(bad).isInstanceOf(ConfigException.class).hasMessageContaining("selfServiceScopes");
        }
    }
}
