package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.sun.net.httpserver.HttpServer;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.OutsideTokens;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.TestDevices;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, continuous access evaluation for trusted issuers: when an outside issuer drops a key from the
 * JWKS it serves (here a local HTTP server), the next refresh ends the live MQTT sessions and CoAP
 * authorizations whose token that key signed (not at the token's expiry), leaves the other key's sessions
 * alone, and audits {@code access.reevaluated} with the issuer, the key and the cause.
 */
class TrustedIssuerSessionsTest {
    static final String ISSUER = "https://idp.cae.test";

    @TempDir
    Path dir;

    @Test
    void droppingAKeyFromTheJwksEndsTheSessionsItsTokensOpened() throws Exception {
        ECKey k1 = new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
        ECKey k2 = new ECKeyGenerator(Curve.P_256).keyID("k2").generate();
        AtomicReference<String> served = new AtomicReference<>(
                new JWKSet(List.of(k1.toPublicJWK(), k2.toPublicJWK())).toString());
        HttpServer jwksServer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        jwksServer.createContext("/jwks", exchange -> {
            byte[] body = served.get().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        jwksServer.start();
        Path auditFile = dir.resolve("audit.log");
        String issuers = "[{\"issuer\":\"" + ISSUER + "\",\"jwksUri\":\"http://127.0.0.1:"
                + jwksServer.getAddress().getPort() + "/jwks\",\"refreshInterval\":\"10s\",\"tenant\":\"default\","
                + "\"algorithms\":[\"ES256\"]}]";
        Broker broker = Broker.start(TestBrokers.config(dir.resolve("data"), Map.of(
                "EDGEAUTH_TRUSTED_ISSUERS", issuers, "EDGEAUTH_AUDIT_FILE", auditFile.toString())));
        try {
            Http admin = new Http("http://localhost:" + broker.httpPort(), broker.newAdminCredential().orElseThrow());
            TestDevices.register(admin, "ext-1");
            TestDevices.register(admin, "ext-2");
            Mqtt5BlockingClient byK1 = connect(broker, "ext-1", sign(k1, "ext-1"));
            Mqtt5BlockingClient byK2 = connect(broker, "ext-2", sign(k2, "ext-2"));
            CoapClient coap = new CoapClient("coap://127.0.0.1:" + broker.coapPort() + "/authz-info");
            try {
                assertThat(coap.post(sign(k1, "ext-1").getBytes(StandardCharsets.US_ASCII),
                        MediaTypeRegistry.TEXT_PLAIN).getCode()).isEqualTo(ResponseCode.CREATED);
                assertThat(telemetry(coap, broker).getCode()).isEqualTo(ResponseCode.CHANGED);

                served.set(new JWKSet(k2.toPublicJWK()).toString()); // the issuer drops k1
                await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(200))
                        .until(() -> !byK1.getState().isConnected());
                assertThat(telemetry(coap, broker).getCode()).as("the CoAP authorization by k1 ended too")
                        .isEqualTo(ResponseCode.UNAUTHORIZED);
                assertThat(byK2.getState().isConnected()).as("k2's session goes on").isTrue();
                byK2.disconnect();
            } finally {
                coap.shutdown();
            }
        } finally {
            broker.close();
            jwksServer.stop(0);
        }
        List<JsonObject> reevaluated = Files.readAllLines(auditFile).stream().map(JsonObject::new)
                .filter(e -> "access.reevaluated".equals(e.getString("event"))).toList();
        assertThat(reevaluated).singleElement().satisfies(e -> {
            assertThat(e.getString("issuer")).isEqualTo(ISSUER);
            assertThat(e.getString("kid")).isEqualTo("k1");
            assertThat(e.getString("cause")).isEqualTo("kid_dropped");
        });
    }

    private static CoapResponse telemetry(CoapClient coap, Broker broker) throws Exception {
        coap.setURI("coap://127.0.0.1:" + broker.coapPort() + "/d/ext-1/up/temp");
        try {
            return coap.post("21.5", MediaTypeRegistry.TEXT_PLAIN);
        } finally {
            coap.setURI("coap://127.0.0.1:" + broker.coapPort() + "/authz-info");
        }
    }

    private static Mqtt5BlockingClient connect(Broker broker, String device, String token) {
        Mqtt5BlockingClient mqtt = MqttClient.builder().useMqttVersion5().identifier(device)
                .serverHost("127.0.0.1").serverPort(broker.mqttPort()).buildBlocking();
        mqtt.connectWith().simpleAuth().username(device).password(token.getBytes(StandardCharsets.US_ASCII))
                .applySimpleAuth().send();
        return mqtt;
    }

    static String sign(ECKey key, String subject) throws Exception {
        return OutsideTokens.sign(key, ISSUER, subject);
    }
}
