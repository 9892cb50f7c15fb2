package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.testsupport.InProcessBrokerTest;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.device.ClientAssertions;
import io.edgeauth.device.DeviceIdentity;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /oauth/token} against RFC 6749 §2.3, §5.1 and §5.2, RFC 7523 §3 and RFC 8693 §2.2.2 (audit tour A:
 * A4, A8, A11, A12, A13, A14 and the token endpoint's part of A5): one client authentication method per request, a
 * {@code client_id} that must be the assertion's {@code sub}, typed 400s for a token exchange without its token types,
 * case-sensitive parameter names, {@code Pragma: no-cache} on token answers, no Bearer challenge for a client
 * authentication failure, and {@code /oauth/token/} read as {@code /oauth/token}.
 */
class TokenEndpointRfcTest extends InProcessBrokerTest {
    static final String EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
    static final String ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token";
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A form POST with the given Authorization header (null: none), parameters in this order. */
    static HttpResponse<String> post(String path, String authorization, Map<String, String> form) throws Exception {
        String body = form.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
                .header("content-type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("authorization", authorization);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static Map<String, String> credentials(DeviceIdentity device) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "client_credentials");
        form.put("client_assertion_type", ClientAssertions.ASSERTION_TYPE);
        form.put("client_assertion", TestDevices.assertion(base, device));
        return form;
    }

    static void assertError(HttpResponse<String> r, int status, String error, String inDescription) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonObject body = new JsonObject(r.body());
        assertThat(body.getString("error")).as(r.body()).isEqualTo(error);
        assertThat(body.getString("error_description")).as(r.body()).contains(inDescription);
    }

    /** A11: it was a 500 with an ERROR and a stack trace (Set.of(...).contains(null)), before client authentication. */
    @Test
    void aTokenExchangeWithoutItsTokenTypesIs400NamingTheMissingParameter() throws Exception {
        DeviceIdentity device = TestDevices.register(admin, "rfc-tx");
        String subject = TestDevices.token(anonymous, base, device);
        Map<String, String> noSubjectType = new LinkedHashMap<>(Map.of("grant_type", EXCHANGE, "subject_token", subject,
                "client_assertion_type", ClientAssertions.ASSERTION_TYPE, "client_assertion", TestDevices.assertion(base, device)));
        assertError(post("/oauth/token", null, noSubjectType), 400, "invalid_request", "subject_token_type");

        Map<String, String> noActorType = new LinkedHashMap<>(noSubjectType);
        noActorType.put("subject_token_type", ACCESS_TOKEN);
        noActorType.put("actor_token", subject);
        noActorType.put("client_assertion", TestDevices.assertion(base, device));
        assertError(post("/oauth/token", null, noActorType), 400, "invalid_request", "actor_token_type");

        Map<String, String> noSubject = new LinkedHashMap<>(noSubjectType);
        noSubject.remove("subject_token");
        noSubject.put("subject_token_type", ACCESS_TOKEN);
        noSubject.put("client_assertion", TestDevices.assertion(base, device));
        assertError(post("/oauth/token", null, noSubject), 400, "invalid_request", "subject_token is required");
    }

    /** A13: RFC 6749 §2.3, one authentication method per request; the second one was ignored and a token issued. */
    @Test
    void anAssertionWithASecondAuthenticationMethodIsRefused() throws Exception {
        DeviceIdentity device = TestDevices.register(admin, "rfc-two");
        String basic = "Basic " + java.util.Base64.getEncoder().encodeToString("rfc-two:secret".getBytes(StandardCharsets.UTF_8));
        assertError(post("/oauth/token", basic, credentials(device)), 400, "invalid_request", "Authorization header");
        assertThat(post("/oauth/token", "Bearer abc", credentials(device)).statusCode())
                .as("a Bearer header is no client authentication method at the token endpoint: served").isEqualTo(200);
        Map<String, String> withSecret = credentials(device);
        withSecret.put("client_secret", "s");
        assertError(post("/oauth/token", null, withSecret), 400, "invalid_request", "client_secret");
        // the exchange authenticates its client the same way
        String subject = TestDevices.token(anonymous, base, device);
        Map<String, String> exchange = new LinkedHashMap<>(Map.of("grant_type", EXCHANGE, "subject_token", subject,
                "subject_token_type", ACCESS_TOKEN, "client_assertion_type", ClientAssertions.ASSERTION_TYPE,
                "client_assertion", TestDevices.assertion(base, device)));
        assertError(post("/oauth/token", basic, exchange), 400, "invalid_request", "Authorization header");
        assertThat(post("/oauth/token", null, credentials(device)).statusCode()).as("one method: served").isEqualTo(200);
    }

    /** A12: RFC 7523 §3, sub MUST be the client_id; a contradicting client_id was ignored. */
    @Test
    void aClientIdThatIsNotTheAssertionsSubjectIsRefused() throws Exception {
        DeviceIdentity device = TestDevices.register(admin, "rfc-id-1");
        TestDevices.register(admin, "rfc-id-2");
        Map<String, String> other = credentials(device);
        other.put("client_id", "rfc-id-2");
        HttpResponse<String> r = post("/oauth/token", null, other);
        assertError(r, 401, "invalid_client", "client_id");
        assertThat(r.headers().firstValue("www-authenticate")).as("no Authorization header was used: no challenge").isEmpty();
        Map<String, String> same = credentials(device);
        same.put("client_id", "rfc-id-1");
        assertThat(post("/oauth/token", null, same).statusCode()).isEqualTo(200);
    }

    /** A13 (related): Basic is not a method here; RFC 6749 §5.2 wants 401 and a challenge of the scheme used. */
    @Test
    void basicWithoutAnAssertionIs401WithABasicChallenge() throws Exception {
        String basic = "Basic " + java.util.Base64.getEncoder().encodeToString("d:s".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = post("/oauth/token", basic, Map.of("grant_type", "client_credentials"));
        assertError(r, 401, "invalid_client", "private_key_jwt");
        assertThat(r.headers().firstValue("www-authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
    }

    /** A5: invalid_client is no RFC 6750 code, and the client used no Bearer header: no Bearer challenge. */
    @Test
    void aClientAuthenticationFailureCarriesNoBearerChallenge() throws Exception {
        HttpResponse<String> r = post("/oauth/token", null, Map.of("grant_type", "client_credentials",
                "client_assertion_type", ClientAssertions.ASSERTION_TYPE, "client_assertion", "garbage"));
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("www-authenticate")).isEmpty();
    }

    /** A14: RFC 6749 §5.1 wants Pragma: no-cache beside Cache-Control: no-store on a token answer. */
    @Test
    void aTokenAnswerSaysPragmaNoCache() throws Exception {
        DeviceIdentity device = TestDevices.register(admin, "rfc-pragma");
        HttpResponse<String> r = post("/oauth/token", null, credentials(device));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("cache-control")).hasValue("no-store");
        assertThat(r.headers().firstValue("pragma")).hasValue("no-cache");
        HttpResponse<String> exchanged = post("/oauth/token", null, new LinkedHashMap<>(Map.of("grant_type", EXCHANGE,
                "subject_token", new JsonObject(r.body()).getString("access_token"), "subject_token_type", ACCESS_TOKEN,
                "client_assertion_type", ClientAssertions.ASSERTION_TYPE, "client_assertion", TestDevices.assertion(base, device))));
        assertThat(exchanged.statusCode()).as(exchanged.body()).isEqualTo(200);
        assertThat(exchanged.headers().firstValue("pragma")).hasValue("no-cache");
    }

    /** A8: OAuth parameter names are case-sensitive (RFC 6749 §8.2, §11.2); GRANT_TYPE was read as grant_type. */
    @Test
    void parameterNamesAreCaseSensitive() throws Exception {
        DeviceIdentity device = TestDevices.register(admin, "rfc-case");
        Map<String, String> upper = credentials(device);
        upper.remove("grant_type");
        upper.put("GRANT_TYPE", "client_credentials");
        assertError(post("/oauth/token", null, upper), 400, "invalid_request", "grant_type is required");
    }

    /** A4: Vert.x routes /oauth/token/ to the token endpoint, but the form was not read there (a misleading 400). */
    @Test
    void aTrailingSlashIsTheSameEndpoint() throws Exception {
        DeviceIdentity device = TestDevices.register(admin, "rfc-slash");
        HttpResponse<String> r = post("/oauth/token/", null, credentials(device));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String token = new JsonObject(r.body()).getString("access_token");
        HttpResponse<String> view = admin.postForm("/oauth/introspect/", Map.of("token", token));
        assertThat(view.statusCode()).as(view.body()).isEqualTo(200);
        assertThat(new JsonObject(view.body()).getBoolean("active")).isTrue();
    }
}
