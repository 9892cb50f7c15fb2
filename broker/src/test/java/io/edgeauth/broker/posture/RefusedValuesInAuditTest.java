package io.edgeauth.broker.posture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.LogCapture;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.device.DeviceIdentity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a refused request carries where an id belongs (a token passed as the MQTT client id, a credential or token in
 * an admin path: a swapped argument in a script) reaches the audit log cut short, never whole (tour AA, AA10): the
 * audit line of a refused CONNECT held the whole signed token, and that of a refused admin call the admin credential.
 */
class RefusedValuesInAuditTest {
    @TempDir
    Path dir;

    @Test
    void aTokenOrCredentialGivenAsAnIdIsNotWrittenWholeToTheAuditLog() throws Exception {
        try (LogCapture log = LogCapture.root(); Broker broker = Broker.start(TestBrokers.config(dir.resolve("data")))) {
            String base = "http://localhost:" + broker.httpPort();
            String credential = broker.newAdminCredential().orElseThrow();
            Http admin = new Http(base, credential);
            DeviceIdentity device = TestDevices.register(admin, "swapped-1");
            String token = TestDevices.token(admin, base, device);
            assertThat(token.length()).isGreaterThan(200);

            assertThatThrownBy(() -> TestDevices.connectMqtt(broker.mqttPort(), token, token))
                    .as("a token as the client id is refused").isNotNull();
            assertThat(admin.postForm("/oauth/token", java.util.Map.of("grant_type", "client_credentials",
                    "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    "client_assertion", assertionNaming(token, base))).statusCode()).isEqualTo(401);
            Http stranger = new Http(base, null);
            assertThat(stranger.get("/admin/devices/" + token).statusCode()).isEqualTo(401);
            assertThat(stranger.get("/admin/devices/" + credential).statusCode()).isEqualTo(401);

            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> refusals(log).size() >= 4);
            List<String> lines = refusals(log);
            assertThat(lines).as("the refusals are audited").hasSizeGreaterThanOrEqualTo(4);
            String signature = token.substring(token.lastIndexOf('.') + 1);
            for (String line : lines) {
                assertThat(line).doesNotContain(signature).doesNotContain(credential)
                        .doesNotContain(credential.substring("ea_admin_".length(), "ea_admin_".length() + 20));
            }
            assertThat(lines).anySatisfy(l -> assertThat(l).contains("client_id_too_long").contains("eyJ"));
        }
    }

    /**
     * The location a refused CONNECT reports (MQTT 5 user property {@code geo}) is unchecked client text: its audit line
     * keeps it cut short as it keeps a refused id, not whole at any length (tour G, G6).
     */
    @Test
    void aRefusedConnectsReportedLocationIsNotWrittenWholeToTheAuditLog() throws Exception {
        try (LogCapture log = LogCapture.root(); Broker broker = Broker.start(TestBrokers.config(dir.resolve("data")))) {
            String geo = "u33d" + "x".repeat(3000) + "the-end";
            com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient mqtt = com.hivemq.client.mqtt.MqttClient.builder()
                    .useMqttVersion5().identifier("dev-geo").serverHost("127.0.0.1").serverPort(broker.mqttPort())
                    .buildBlocking();
            assertThatThrownBy(() -> mqtt.connectWith().simpleAuth().username("dev-geo")
                    .password("not-a-token".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).applySimpleAuth()
                    .userProperties().add("geo", geo).applyUserProperties().send())
                    .as("a CONNECT without a valid token is refused").isNotNull();

            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> authRefusals(log).size() >= 1);
            assertThat(authRefusals(log)).allSatisfy(l -> assertThat(l).contains("u33dxxx").doesNotContain("the-end"));
        }
    }

    private static List<String> authRefusals(LogCapture log) {
        return log.events().stream().filter(e -> e.getLoggerName().equals("audit"))
                .map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains("\"auth.refused\"")).toList();
    }

    /** A well-formed ES256 client assertion whose {@code iss} and {@code sub} are {@code id}. */
    private static String assertionNaming(String id, String base) throws Exception {
        com.nimbusds.jose.jwk.ECKey key = new com.nimbusds.jose.jwk.gen.ECKeyGenerator(com.nimbusds.jose.jwk.Curve.P_256)
                .generate();
        com.nimbusds.jwt.SignedJWT jwt = new com.nimbusds.jwt.SignedJWT(
                new com.nimbusds.jose.JWSHeader(com.nimbusds.jose.JWSAlgorithm.ES256),
                new com.nimbusds.jwt.JWTClaimsSet.Builder().issuer(id).subject(id).audience(base + "/oauth/token")
                        .jwtID(java.util.UUID.randomUUID().toString())
                        .expirationTime(new java.util.Date(System.currentTimeMillis() + 60_000)).build());
        jwt.sign(new com.nimbusds.jose.crypto.ECDSASigner(key));
        return jwt.serialize();
    }

    private static List<String> refusals(LogCapture log) {
        return log.events().stream().filter(e -> e.getLoggerName().equals("audit"))
                .map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains("\"mqtt.connect.refused\"") || m.contains("\"admin.refused\"")
                        || m.contains("\"token.refused\"")).toList();
    }
}
