package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.device.AccessToken;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.TokenClient;
import io.edgeauth.device.TokenFormat;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Devices for end-to-end tests: registered through the admin API, tokens fetched with the device SDK. */
final class DeviceFixtures {
    private DeviceFixtures() {
    }

    static DeviceIdentity register(Http admin, String id, String owner, List<String> region) {
        DeviceIdentity identity = DeviceIdentity.generate(id);
        JsonObject body = new JsonObject().put("id", id).put("jwk", new JsonObject(identity.publicJwk().toJSONString()));
        if (owner != null) {
            body.put("owner", owner);
        }
        if (!region.isEmpty()) {
            body.put("region", new JsonArray(region));
        }
        var r = admin.postJson("/admin/devices", body.encode());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return identity;
    }

    static AccessToken token(String base, DeviceIdentity identity, TokenFormat format) throws Exception {
        return TokenClient.builder().brokerUri(URI.create(base)).identity(identity).tokenFormat(format).build()
                .fetch().get(10, TimeUnit.SECONDS);
    }
}
