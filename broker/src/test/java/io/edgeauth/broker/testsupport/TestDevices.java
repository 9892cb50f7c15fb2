package io.edgeauth.broker.testsupport;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.edgeauth.device.ClientAssertions;
import io.edgeauth.device.DeviceIdentity;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Devices for HTTP-level tests: registered through the admin API, tokens asked for with a real client. */
public final class TestDevices {
    private TestDevices() {
    }

    /** Registers a device with a fresh P-256 key in {@code tenant}; fails the test unless the broker answers 201. */
    public static DeviceIdentity register(Http admin, String id, String tenant) {
        DeviceIdentity identity = DeviceIdentity.generate(id);
        HttpResponse<String> r = admin.postJson("/admin/devices", new JsonObject().put("id", id).put("tenant", tenant)
                .put("jwk", new JsonObject(identity.publicJwk().toJSONString())).encode());
        if (r.statusCode() != 201) {
            throw new AssertionError("registering " + id + " failed: " + r.body());
        }
        return identity;
    }

    public static DeviceIdentity register(Http admin, String id) {
        return register(admin, id, "default");
    }

    /** An RFC 7523 assertion for the broker at {@code base}. */
    public static String assertion(String base, DeviceIdentity device) {
        return ClientAssertions.builder(device).audience(base + "/oauth/token").build().create();
    }

    /** {@code client_credentials} with a fresh assertion, and {@code scope} unless null. */
    public static HttpResponse<String> clientCredentials(Http http, String base, DeviceIdentity device, String scope) {
        Map<String, String> form = new HashMap<>(Map.of("grant_type", "client_credentials",
                "client_assertion_type", ClientAssertions.ASSERTION_TYPE, "client_assertion", assertion(base, device)));
        if (scope != null) {
            form.put("scope", scope);
        }
        return http.postForm("/oauth/token", form);
    }

    /** The access token of a {@code client_credentials} grant that must succeed. */
    public static String token(Http http, String base, DeviceIdentity device) {
        HttpResponse<String> r = clientCredentials(http, base, device, null);
        if (r.statusCode() != 200) {
            throw new AssertionError("token for " + device + " refused: " + r.body());
        }
        return new JsonObject(r.body()).getString("access_token");
    }

    /** MQTT 5 CONNECT (client id = username = {@code clientId}) and DISCONNECT; throws when refused. */
    public static void connectMqtt(int port, String clientId, String token) {
        Mqtt5BlockingClient mqtt = MqttClient.builder().useMqttVersion5().identifier(clientId)
                .serverHost("127.0.0.1").serverPort(port).buildBlocking();
        mqtt.connectWith().simpleAuth().username(clientId).password(token.getBytes(StandardCharsets.US_ASCII))
                .applySimpleAuth().send();
        mqtt.disconnect();
    }

    /** {@code active} of an admin introspection. */
    public static boolean active(Http admin, String token) {
        return new JsonObject(admin.postForm("/oauth/introspect", Map.of("token", token)).body()).getBoolean("active");
    }
}
