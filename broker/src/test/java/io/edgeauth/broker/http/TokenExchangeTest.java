package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.InProcessBrokerTest;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.device.ClientAssertions;
import io.edgeauth.device.DeviceIdentity;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, holes 12, 13 (exchange) and 17 (exchange): RFC 8693 token exchange needs client
 * authentication, keeps the subject token's proof-of-possession binding ({@code cnf}), dies with its
 * subject token, checks {@code subject_token_type} exactly, and refuses a subject token that expired
 * within the clock leeway with a typed 400 (not a 500).
 */
class TokenExchangeTest extends InProcessBrokerTest {
    static final String GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
    static final String ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token";

    static DeviceIdentity register(Http admin, String id) {
        return TestDevices.register(admin, id);
    }

    static String token(Http http, String base, DeviceIdentity device) {
        return TestDevices.token(http, base, device);
    }

    /** An exchange authenticated as {@code client} (null: none) with the given extra parameters. */
    static HttpResponse<String> exchange(Http http, String base, DeviceIdentity client, String subjectToken,
                                         Map<String, String> extra) {
        Map<String, String> form = new HashMap<>(Map.of("grant_type", GRANT, "subject_token", subjectToken,
                "subject_token_type", ACCESS_TOKEN));
        if (client != null) {
            form.put("client_assertion_type", ClientAssertions.ASSERTION_TYPE);
            form.put("client_assertion", TestDevices.assertion(base, client));
        }
        form.putAll(extra);
        return http.postForm("/oauth/token", form);
    }

    static JsonObject introspect(String token) {
        return new JsonObject(admin.postForm("/oauth/introspect", Map.of("token", token)).body());
    }

    static void assertError(HttpResponse<String> r, int status, String error) {
        EthDeviceLoginTest.assertError(r, status, error);
    }

    @Test
    void exchangeNeedsClientAuthentication() {
        DeviceIdentity device = register(admin, "tx-anon");
        String subject = token(anonymous, base, device);
        assertError(exchange(anonymous, base, null, subject, Map.of()), 401, "invalid_client");
        // a stranger's own key does not make another subject's token its own
        DeviceIdentity stranger = register(admin, "tx-stranger");
        assertError(exchange(anonymous, base, stranger, subject, Map.of()), 401, "invalid_client");
        assertThat(exchange(anonymous, base, device, subject, Map.of()).statusCode()).isEqualTo(200);
    }

    /**
     * RFC 8693 §2.2.2: a target the server will not issue a token for is {@code invalid_target}. Before, an audience,
     * a resource and a requested token type were ignored, and the client got a token valid on every edge.
     */
    @Test
    void aTargetOrATokenTypeTheExchangeCannotIssueIsRefused() {
        DeviceIdentity device = register(admin, "tx-target");
        String subject = token(anonymous, base, device);
        assertError(exchange(anonymous, base, device, subject, Map.of("audience", "https://evil.example")), 400,
                "invalid_target");
        assertError(exchange(anonymous, base, device, subject, Map.of("resource", "https://evil.example")), 400,
                "invalid_target");
        assertError(exchange(anonymous, base, device, subject, Map.of("requested_token_type",
                "urn:ietf:params:oauth:token-type:refresh_token")), 400, "invalid_request");
        assertThat(exchange(anonymous, base, device, subject, Map.of("requested_token_type", ACCESS_TOKEN))
                .statusCode()).isEqualTo(200);
    }

    @Test
    void theExchangedTokenKeepsTheBindingAndDiesWithItsSubjectToken() {
        DeviceIdentity device = register(admin, "tx-bound");
        String subject = token(anonymous, base, device);
        HttpResponse<String> r = exchange(anonymous, base, device, subject, Map.of());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String exchanged = new JsonObject(r.body()).getString("access_token");
        JsonObject view = introspect(exchanged);
        assertThat(view.getBoolean("active")).isTrue();
        assertThat(view.getJsonObject("cnf")).as("cnf copied").isNotNull();
        assertThat(view.getJsonObject("cnf").getString("jkt")).isEqualTo(device.thumbprint());

        // an exchange of the exchanged token dies with the first token too
        String second = new JsonObject(exchange(anonymous, base, device, exchanged, Map.of()).body())
                .getString("access_token");
        assertThat(introspect(second).getBoolean("active")).isTrue();
        connect("tx-bound", exchanged);

        String jti = introspect(subject).getString("jti");
        assertThat(admin.postJson("/admin/revocations", new JsonObject().put("jti", jti).encode()).statusCode())
                .isEqualTo(201);
        assertThat(introspect(exchanged).getBoolean("active")).as("exchanged token").isFalse();
        assertThat(introspect(second).getBoolean("active")).as("exchanged twice").isFalse();
        assertThatThrownBy(() -> connect("tx-bound", exchanged)).as("no MQTT session with it");
    }

    @Test
    void revokingTheSubjectTokenAsItsHolderAlsoEndsTheExchangedOne() {
        DeviceIdentity device = register(admin, "tx-holder");
        String subject = token(anonymous, base, device);
        String exchanged = new JsonObject(exchange(anonymous, base, device, subject, Map.of()).body())
                .getString("access_token");
        assertThat(new Http(base, subject).postForm("/oauth/revoke", Map.of("token", subject)).statusCode())
                .isEqualTo(200);
        assertThat(introspect(exchanged).getBoolean("active")).isFalse();
    }

    /**
     * RFC 8693 §2.1: the actor token stands for the acting party, the client that uses the new token on the subject's
     * behalf. Before, a subject client could present any token of another device it had seen as {@code actor_token},
     * and the new token (and the audit) named that device in {@code act}, which never took part (tour AG, AG3).
     */
    @Test
    void anActorTokenIsPresentedByItsOwnSubjectOnly() {
        DeviceIdentity device = register(admin, "tx-framer");
        DeviceIdentity bystander = register(admin, "tx-bystander");
        String subject = token(anonymous, base, device);
        String seen = token(anonymous, base, bystander);
        Map<String, String> actor = Map.of("actor_token", seen, "actor_token_type", ACCESS_TOKEN);
        HttpResponse<String> framed = exchange(anonymous, base, device, subject, actor);
        assertError(framed, 401, "invalid_client");
        HttpResponse<String> acting = exchange(anonymous, base, bystander, subject, actor);
        assertThat(acting.statusCode()).as(acting.body()).isEqualTo(200);
        JsonObject view = introspect(new JsonObject(acting.body()).getString("access_token"));
        assertThat(view.getJsonObject("act").getString("sub")).isEqualTo("tx-bystander");
        // RFC 7662 §2.2: client_id is the client that requested the token, the actor here, not the subject
        assertThat(view.getString("client_id")).as("introspected client_id").isEqualTo("tx-bystander");
        assertThat(view.getString("sub")).isEqualTo("tx-framer");
    }

    /** Revoking the actor ends the tokens it obtained acting for others (tour AG, AG5); the subject's own go on. */
    @Test
    void revokingTheActorEndsItsDelegatedTokens() {
        DeviceIdentity device = register(admin, "tx-meter");
        DeviceIdentity gateway = register(admin, "tx-gateway");
        String subject = token(anonymous, base, device);
        HttpResponse<String> r = exchange(anonymous, base, gateway, subject,
                Map.of("actor_token", token(anonymous, base, gateway), "actor_token_type", ACCESS_TOKEN));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String delegated = new JsonObject(r.body()).getString("access_token");
        assertThat(introspect(delegated).getBoolean("active")).isTrue();
        assertThat(admin.postJson("/admin/revocations", new JsonObject().put("sub", "tx-gateway").encode())
                .statusCode()).isEqualTo(201);
        assertThat(introspect(delegated).getBoolean("active")).as("the gateway's delegated token").isFalse();
        assertThat(introspect(subject).getBoolean("active")).as("the meter's own token").isTrue();
    }

    @Test
    void subjectTokenTypeIsCheckedExactly() {
        DeviceIdentity device = register(admin, "tx-type");
        String subject = token(anonymous, base, device);
        for (String type : new String[] {"urn:ietf:params:oauth:token-type:refresh_token",
                "urn:ietf:params:oauth:token-type:id_token", "urn:ietf:params:oauth:token-type:access_tokenX",
                "urn:ietf:params:oauth:token-type:"}) {
            assertError(exchange(anonymous, base, device, subject, Map.of("subject_token_type", type)),
                    400, "invalid_request");
        }
        assertThat(exchange(anonymous, base, device, subject,
                Map.of("subject_token_type", "urn:ietf:params:oauth:token-type:jwt")).statusCode()).isEqualTo(200);
    }

    @Test
    void aSubjectTokenExpiredWithinTheLeewayGetsATypedRefusal(@TempDir Path otherDir) {
        try (Broker shortLived = Broker.start(TestBrokers.config(otherDir, Map.of(
                "EDGEAUTH_TOKENS_DEFAULT_LIFETIME", "1s", "EDGEAUTH_MQTT_PORT", "-1", "EDGEAUTH_COAP_PORT", "-1")))) {
            String otherBase = "http://localhost:" + shortLived.httpPort();
            Http otherAdmin = new Http(otherBase, shortLived.newAdminCredential().orElseThrow());
            Http other = new Http(otherBase, null);
            DeviceIdentity device = register(otherAdmin, "tx-expired");
            String subject = token(other, otherBase, device);
            Instant issued = Instant.now();
            await().atMost(Duration.ofSeconds(5)).until(() -> Instant.now().isAfter(issued.plusSeconds(2)));
            HttpResponse<String> r = exchange(other, otherBase, device, subject, Map.of());
            assertError(r, 400, "invalid_request");
            assertThat(r.body()).contains("expired");
        }
    }

    static void connect(String clientId, String token) {
        TestDevices.connectMqtt(broker.mqttPort(), clientId, token);
    }
}
