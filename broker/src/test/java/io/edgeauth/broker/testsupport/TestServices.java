package io.edgeauth.broker.testsupport;

import io.edgeauth.device.ClientAssertions;
import io.edgeauth.device.DeviceIdentity;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Service clients for HTTP-level tests: registered through {@code /admin/services}, tokens asked for with the
 * device SDK's RFC 7523 assertions (a service authenticates exactly as a device does; its key pair is a
 * {@link DeviceIdentity} whose id is the service's).
 */
public final class TestServices {
    private TestServices() {
    }

    /** The registration request of a service with one fresh P-256 key. */
    public static JsonObject registration(DeviceIdentity identity, String tenant, String... grants) {
        return new JsonObject().put("id", identity.deviceId()).put("tenant", tenant)
                .put("jwk", new JsonObject(identity.publicJwk().toJSONString())).put("grants", new JsonArray(List.of(grants)));
    }

    /** Registers a service with a fresh key in {@code tenant}; fails the test unless the broker answers 201. */
    public static DeviceIdentity register(Http admin, String id, String tenant, String... grants) {
        DeviceIdentity identity = DeviceIdentity.generate(id);
        HttpResponse<String> r = admin.postJson("/admin/services", registration(identity, tenant, grants).encode());
        if (r.statusCode() != 201) {
            throw new AssertionError("registering service " + id + " failed: " + r.body());
        }
        return identity;
    }

    /** {@code client_credentials} with a fresh assertion, and {@code scope} unless null. */
    public static HttpResponse<String> clientCredentials(Http http, String base, DeviceIdentity service, String scope) {
        Map<String, String> form = new HashMap<>(Map.of("grant_type", "client_credentials",
                "client_assertion_type", ClientAssertions.ASSERTION_TYPE,
                "client_assertion", ClientAssertions.builder(service).audience(base + "/oauth/token").build().create()));
        if (scope != null) {
            form.put("scope", scope);
        }
        return http.postForm("/oauth/token", form);
    }

    /** The access token of a grant that must succeed. */
    public static String token(Http http, String base, DeviceIdentity service, String scope) {
        HttpResponse<String> r = clientCredentials(http, base, service, scope);
        if (r.statusCode() != 200) {
            throw new AssertionError("token for service " + service.deviceId() + " refused: " + r.body());
        }
        return new JsonObject(r.body()).getString("access_token");
    }
}
