package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.upokecenter.cbor.CBORObject;
import com.upokecenter.numbers.EInteger;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.LogCapture;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, hole 13 (token endpoints): hostile token requests get a typed 4.xx / RFC 6749 error and at
 * most one WARN line without a stack trace, never an exception, an ERROR or no answer at all.
 */
class HostileTokenRequestTest {
    @TempDir
    static Path dataDir;
    static Broker broker;
    static String base;
    LogCapture logs;

    @BeforeAll
    static void start() {
        broker = Broker.start(TestBrokers.config(dataDir));
        base = "http://localhost:" + broker.httpPort();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @BeforeEach
    void captureLogs() {
        logs = LogCapture.root();
    }

    @AfterEach
    void releaseLogs() {
        logs.close();
    }

    /** No ERROR, no stack trace, at most {@code maxWarnings} WARN lines (the audit logger aside). */
    void assertQuietLog(int maxWarnings) {
        List<ILoggingEvent> events = logs.withoutAudit();
        assertThat(events).noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.ERROR));
        assertThat(events).noneMatch(e -> e.getThrowableProxy() != null);
        assertThat(events.stream().filter(e -> e.getLevel() == Level.WARN)).hasSizeLessThanOrEqualTo(maxWarnings);
    }

    @Test
    void coapTokenAnswersBadRequestForNumericGrantTypesThatAreNotTwo() throws Exception {
        CBORObject[] grants = {CBORObject.FromObject(EInteger.FromString("1180591620717411303424")), // 2^70
                CBORObject.FromObject(Long.MAX_VALUE), CBORObject.FromObject(2.5), CBORObject.FromObject(2.0),
                CBORObject.FromObject(Double.NaN), CBORObject.FromObject(Double.POSITIVE_INFINITY),
                CBORObject.FromObject(-1), CBORObject.FromObjectAndTag(2, 1), CBORObject.True};
        CoapClient client = new CoapClient("coap://127.0.0.1:" + broker.coapPort() + "/token");
        client.setTimeout(10_000L);
        try {
            for (CBORObject grant : grants) {
                CBORObject request = CBORObject.NewMap().Add(33, grant)
                        .Add("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
                        .Add("client_assertion", "eyJhbGciOiJFUzI1NiJ9.e30.AA");
                CoapResponse response = client.post(request.EncodeToBytes(), MediaTypeRegistry.APPLICATION_ACE_CBOR);
                assertThat(response).as("an answer for grant_type %s", grant).isNotNull();
                assertThat(response.getCode()).as("grant_type %s", grant).isEqualTo(CoAP.ResponseCode.BAD_REQUEST);
            }
        } finally {
            client.shutdown();
        }
        assertQuietLog(grants.length);
    }

    @Test
    void aFormFieldOver16KiBGetsAnRfc6749ErrorAndNoStackTrace() {
        HttpResponse<String> r = new Http(base, null).postForm("/oauth/token",
                Map.of("grant_type", "client_credentials", "client_assertion", "x".repeat(17 * 1024)));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).contains("application/json"));
        assertThat(new JsonObject(r.body()).getString("error")).isEqualTo("invalid_request");
        assertQuietLog(1);
    }

    @Test
    void aFormThatIsNotFormEncodingGetsAnRfc6749Error() {
        HttpResponse<String> r = new Http(base, null).postRaw("/oauth/token", "application/x-www-form-urlencoded",
                "grant_type=client_credentials&client_assertion=%zz".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(r.body()).getString("error")).isEqualTo("invalid_request");
        assertQuietLog(1);
    }

    @Test
    void aFormBodyOver64KiBIsRefusedWith413WhetherItsLengthIsDeclaredOrNot() throws Exception {
        byte[] big = ("grant_type=client_credentials&a=" + "x".repeat(70 * 1024))
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        HttpResponse<String> declared = new Http(base, null).postRaw("/oauth/token",
                "application/x-www-form-urlencoded", big);
        assertThat(declared.statusCode()).isEqualTo(413);
        // chunked: no Content-Length, so the limit is enforced while reading
        HttpResponse<String> streamed = postTokenForm(
                java.net.http.HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big)), false);
        assertThat(streamed.statusCode()).isEqualTo(413);
        assertQuietLog(0);
    }

    @Test
    void aFormSentWithExpect100ContinueIsRead() throws Exception {
        HttpResponse<String> r = postTokenForm(
                java.net.http.HttpRequest.BodyPublishers.ofString("grant_type=no_such_grant"), true);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(r.body()).getString("error")).isEqualTo("unsupported_grant_type");
    }

    /**
     * RFC 6749 §3.2: a parameter must not appear twice. It was taken from its first appearance, so a proxy or filter
     * that checks the last one saw another request than the broker served.
     */
    @Test
    void aParameterSentTwiceIsRefused() {
        // "Client_Assertion=a&client_assertion=b" was here too: parameter names are case-sensitive now (A8), so that
        // is two parameters, the first unknown and ignored (RFC 6749 §3.2); see parameterNamesAreCaseSensitive
        for (String body : List.of("grant_type=client_credentials&grant_type=refresh_token",
                "grant_type=client_credentials&client_assertion=a&client_assertion=b")) {
            HttpResponse<String> r = new Http(base, null).postRaw("/oauth/token", "application/x-www-form-urlencoded",
                    body.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            assertThat(r.statusCode()).as(body).isEqualTo(400);
            assertThat(new JsonObject(r.body()).getString("error")).isEqualTo("invalid_request");
            assertThat(new JsonObject(r.body()).getString("error_description")).contains("more than once");
        }
    }

    /**
     * Audit tour A, A11: a token exchange without subject_token_type (or an actor_token without actor_token_type) was a
     * 500 with an ERROR and a stack trace (Set.of(...).contains(null)), for anyone, before client authentication.
     */
    @Test
    void aTokenExchangeWithoutItsTokenTypesIsATyped400AndNoStackTrace() {
        String exchange = "grant_type=urn:ietf:params:oauth:grant-type:token-exchange&subject_token=x";
        for (String body : List.of(exchange, exchange + "&subject_token_type=urn:ietf:params:oauth:token-type:access_token"
                + "&actor_token=y")) {
            HttpResponse<String> r = new Http(base, null).postRaw("/oauth/token", "application/x-www-form-urlencoded",
                    body.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            assertThat(r.statusCode()).as(body).isEqualTo(400);
            assertThat(new JsonObject(r.body()).getString("error")).isEqualTo("invalid_request");
        }
        assertQuietLog(0);
    }

    /**
     * Audit tour A, A8: OAuth parameter names are case-sensitive; a differently cased name is another, unknown
     * parameter (ignored, RFC 6749 §3.2), never the registered one.
     */
    @Test
    void parameterNamesAreCaseSensitive() {
        HttpResponse<String> r = new Http(base, null).postRaw("/oauth/token", "application/x-www-form-urlencoded",
                "GRANT_TYPE=client_credentials".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(r.body()).getString("error_description")).isEqualTo("grant_type is required");
        HttpResponse<String> two = new Http(base, null).postRaw("/oauth/token", "application/x-www-form-urlencoded",
                "grant_type=client_credentials&Client_Assertion=a&client_assertion=b"
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertThat(new JsonObject(two.body()).getString("error_description")).doesNotContain("more than once");
    }

    /** As the contract says for every body: another declared type is 415 (it was 400), no type at all 400. */
    @Test
    void aTokenRequestDeclaredAsAnotherTypeIs415AndOneWithoutATypeIs400() {
        HttpResponse<String> typed = new Http(base, null).postRaw("/oauth/token", "text/plain",
                "grant_type=client_credentials".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertThat(typed.statusCode()).isEqualTo(415);
        assertThat(new JsonObject(typed.body()).getString("error")).isEqualTo("invalid_request");
        assertThat(new JsonObject(typed.body()).getString("error_description"))
                .isEqualTo("expected content-type application/x-www-form-urlencoded, got text/plain");
        HttpResponse<String> untyped = new Http(base, null).postRaw("/oauth/token", null,
                "grant_type=client_credentials".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertThat(untyped.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(untyped.body()).getString("error")).isEqualTo("invalid_request");
    }

    @Test
    void aFormPostedToAJsonEndpointIsStillRefusedAsNotJson() {
        HttpResponse<String> r = new Http(base, null).postRaw("/siwe/login", "application/x-www-form-urlencoded",
                "message=a&signature=b".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertThat(r.statusCode()).as("refused for its declared type, before it is read").isEqualTo(415);
        assertThat(new JsonObject(r.body()).getString("error_description"))
                .isEqualTo("expected content-type application/json, got application/x-www-form-urlencoded");
        HttpResponse<String> declared = new Http(base, null).postRaw("/siwe/login", "application/json",
                "message=a&signature=b".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertThat(declared.statusCode()).isEqualTo(400);
        assertThat(new JsonObject(declared.body()).getString("error_description")).isEqualTo("body is not valid JSON");
    }

    /** A form POST to {@code /oauth/token} as the JDK client sends it (chunked for a stream), 10 s at most. */
    private static HttpResponse<String> postTokenForm(java.net.http.HttpRequest.BodyPublisher body, boolean expectContinue)
            throws Exception {
        java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/oauth/token"))
                .header("content-type", "application/x-www-form-urlencoded").expectContinue(expectContinue)
                .timeout(java.time.Duration.ofSeconds(10)).POST(body).build();
        return java.net.http.HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }
}
