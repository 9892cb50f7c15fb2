package io.edgeauth.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.SignedJWT;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TokenClientTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private final DeviceIdentity identity = DeviceIdentity.generate("meter-7");
    private StubTokenEndpoint stub;

    @BeforeEach
    void start() throws Exception {
        stub = new StubTokenEndpoint();
    }

    @AfterEach
    void stop() {
        stub.close();
    }

    private TokenClient client(TokenFormat format) {
        return TokenClient.builder().brokerUri(stub.base()).identity(identity).tokenFormat(format)
                .clock(Clock.fixed(NOW, ZoneOffset.UTC)).requestTimeout(Duration.ofSeconds(5)).build();
    }

    @Test
    void jwtSuccessSendsTheRfc7523FormAndParsesTheResponse() throws Exception {
        stub.reply = StubTokenEndpoint.json(200,
                "{\"access_token\":\"eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJtZXRlci03In0.c2ln\",\"token_type\":\"Bearer\",\"expires_in\":600,\"scope\":\"telemetry\"}");
        AccessToken t = client(TokenFormat.JWT).fetch().join();

        assertThat(t.value()).startsWith("eyJ");
        assertThat(t.format()).isEqualTo(TokenFormat.JWT);
        assertThat(t.tokenType()).isEqualTo("Bearer");
        assertThat(t.scope()).isEqualTo("telemetry");
        assertThat(t.issuedAt()).isEqualTo(NOW);
        assertThat(t.expiresAt()).isEqualTo(NOW.plusSeconds(600));
        assertThat(t.toString()).doesNotContain(t.value()).contains(t.fingerprint());

        Map<String, String> form = stub.forms.poll();
        assertThat(stub.contentTypes.poll()).isEqualTo("application/x-www-form-urlencoded");
        assertThat(form).containsEntry("grant_type", "client_credentials")
                .containsEntry("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
                .containsEntry("token_format", "jwt");
        SignedJWT assertion = SignedJWT.parse(form.get("client_assertion"));
        assertThat(assertion.verify(new ECDSAVerifier((ECKey) identity.publicJwk()))).isTrue();
        assertThat(assertion.getJWTClaimsSet().getAudience()).isEqualTo(List.of(stub.base() + "/oauth/token"));
        assertThat(assertion.getJWTClaimsSet().getIssuer()).isEqualTo("meter-7");
    }

    @Test
    void cwtComesBase64urlAndIsDecodedToRawBytes() {
        byte[] raw = {(byte) 0xd2, (byte) 0x84, 0x43, (byte) 0xa1, 0x01, 0x26, (byte) 0xff, (byte) 0xfe};
        String b64 = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        stub.reply = StubTokenEndpoint.json(200, "{\"access_token\":\"" + b64 + "\",\"token_type\":\"Bearer\",\"expires_in\":300}");
        AccessToken t = client(TokenFormat.CWT).fetch().join();
        assertThat(t.format()).isEqualTo(TokenFormat.CWT);
        assertThat(t.bytes()).isEqualTo(raw);
        assertThat(t.value()).isEqualTo(b64);
        assertThat(stub.forms.poll()).containsEntry("token_format", "cwt");
    }

    @Test
    void rfc6749ErrorBecomesTypedException() {
        stub.reply = StubTokenEndpoint.json(401, "{\"error\":\"invalid_client\",\"error_description\":\"unknown key\\u0007\"}");
        TokenRequestException e = failure(client(TokenFormat.JWT));
        assertThat(e.reason()).isEqualTo(TokenRequestException.Reason.OAUTH_ERROR);
        assertThat(e.httpStatus()).isEqualTo(401);
        assertThat(e.error()).isEqualTo("invalid_client");
        assertThat(e.errorDescription()).isEqualTo("unknown key?");
        assertThat(e.isRetryable()).isFalse();
    }

    @Test
    void serverErrorWithoutJsonIsInvalidResponseAndRetryable() {
        stub.reply = StubTokenEndpoint.json(503, "<html>down</html>");
        TokenClient oneRetry = TokenClient.builder().brokerUri(stub.base()).identity(identity).busyRetries(1)
                .clock(Clock.fixed(NOW, ZoneOffset.UTC)).requestTimeout(Duration.ofSeconds(5)).build();
        TokenRequestException e = failure(oneRetry);
        assertThat(e.reason()).isEqualTo(TokenRequestException.Reason.INVALID_RESPONSE);
        assertThat(e.httpStatus()).isEqualTo(503);
        assertThat(e.isRetryable()).isTrue();
        assertThat(stub.forms).as("the first try and one retry").hasSize(2);
    }

    @Test
    void aBusyBrokersRetryAfterIsHonouredWithAFreshAssertionEachTime() throws Exception {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        StubTokenEndpoint.Reply ok = StubTokenEndpoint.json(200, "{\"access_token\":\"eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJtZXRlci03In0.c2ln\",\"expires_in\":600}");
        StubTokenEndpoint.Reply busy = StubTokenEndpoint.json(503, "{\"error\":\"temporarily_unavailable\"}");
        stub.reply = ex -> {
            if (calls.incrementAndGet() <= 2) {
                ex.getResponseHeaders().set("Retry-After", "1");
                busy.send(ex);
            } else {
                ok.send(ex);
            }
        };
        long start = System.nanoTime();
        AccessToken token = client(TokenFormat.JWT).fetch().get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(token.value()).isNotNull();
        assertThat(calls.get()).isEqualTo(3);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("two waits of 0.5-1.5 s each")
                .isGreaterThanOrEqualTo(Duration.ofMillis(1000));
        assertThat(stub.forms.stream().map(f -> f.get("client_assertion")).distinct()).hasSize(3);
    }

    @Test
    void backoffHonoursRetryAfterWithJitterAndGrowsWithoutIt() {
        for (int i = 0; i < 100; i++) {
            assertThat(TokenClient.backoffMillis(2, 0)).isBetween(1000L, 3000L);
            assertThat(TokenClient.backoffMillis(0, 0)).isBetween(250L, 750L);
            assertThat(TokenClient.backoffMillis(0, 3)).isBetween(2000L, 6000L);
            assertThat(TokenClient.backoffMillis(3600, 0)).isLessThanOrEqualTo(90_000L);
        }
    }

    /** An unsigned JWT with these iat and exp (the client reads them, it does not verify the token). */
    private static String jwtIssued(Instant iat, Instant exp) {
        String claims = "{\"sub\":\"meter-7\",\"iat\":" + iat.getEpochSecond() + ",\"exp\":" + exp.getEpochSecond() + "}";
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"ES256\"}".getBytes()) + "." + b64.encodeToString(claims.getBytes()) + ".c2ln";
    }

    /**
     * Tour AC (AC4): without {@code expires_in} the lifetime is the token's own exp - iat, not its exp read on the
     * device's clock: a device whose clock is two hours behind (no RTC, no NTP yet) took a 10-minute token for one of
     * 2 h 10 min and refreshed it long after the broker stopped accepting it; one two hours ahead took it for expired.
     */
    @Test
    void withoutExpiresInTheLifetimeIsTheTokensOwnNotItsExpOnTheDevicesClock() {
        TokenClient client = client(TokenFormat.JWT);
        Instant brokerNow = NOW.plus(Duration.ofHours(2)); // the device's clock is two hours behind
        AccessToken behind = client.parse(200, ("{\"access_token\":\"" + jwtIssued(brokerNow, brokerNow.plusSeconds(600))
                + "\"}").getBytes());
        assertThat(behind.expiresAt()).isEqualTo(NOW.plusSeconds(600));

        Instant earlier = NOW.minus(Duration.ofHours(2)); // two hours ahead
        AccessToken ahead = client.parse(200, ("{\"access_token\":\"" + jwtIssued(earlier, earlier.plusSeconds(600))
                + "\"}").getBytes());
        assertThat(ahead.expiresAt()).isEqualTo(NOW.plusSeconds(600));
    }

    @Test
    void garbageResponsesAreRejected() {
        for (String body : List.of("not json", "[1,2]", "{}", "{\"access_token\":\"\"}", "{\"access_token\":\"a.b.c\",\"expires_in\":\"600\"}",
                "{\"access_token\":\"a.b.c\",\"expires_in\":-5}", "{\"access_token\":42}")) {
            stub.reply = StubTokenEndpoint.json(200, body);
            assertThat(failure(client(TokenFormat.JWT)).reason()).as(body).isEqualTo(TokenRequestException.Reason.INVALID_RESPONSE);
        }
        stub.reply = StubTokenEndpoint.json(200, "{\"access_token\":\"not*base64\",\"expires_in\":60}");
        assertThat(failure(client(TokenFormat.CWT)).reason()).isEqualTo(TokenRequestException.Reason.INVALID_RESPONSE);
    }

    @Test
    void oversizedResponsesAreCutOff() {
        TokenClient small = TokenClient.builder().brokerUri(stub.base()).identity(identity).maxResponseBytes(1024).build();
        stub.reply = StubTokenEndpoint.json(200, "{\"access_token\":\"" + "a".repeat(5000) + "\"}");
        assertThat(failure(small).reason()).isEqualTo(TokenRequestException.Reason.RESPONSE_TOO_LARGE);
        stub.reply = StubTokenEndpoint.chunked(1 << 20);
        assertThat(failure(small).reason()).isEqualTo(TokenRequestException.Reason.RESPONSE_TOO_LARGE);
    }

    @Test
    void connectionRefusedIsATransportError() {
        java.net.URI dead = stub.base();
        stub.close();
        TokenClient c = TokenClient.builder().brokerUri(dead).identity(identity).connectTimeout(Duration.ofSeconds(2)).build();
        TokenRequestException e = failure(c);
        assertThat(e.reason()).isIn(TokenRequestException.Reason.TRANSPORT, TokenRequestException.Reason.TIMEOUT);
        assertThat(e.isRetryable()).isTrue();
        // which endpoint could not be reached (tour AB, AB13: it said only "TRANSPORT: java.net.ConnectException")
        assertThat(e.getMessage()).contains(dead.getHost() + ":" + dead.getPort());
    }

    /** docs/onboarding.md's zero-touch snippet: the assertions builder, without an audience, handed to the client. */
    @Test
    void anAssertionsBuilderWithoutAnAudienceNamesTheTokenEndpoint() throws Exception {
        stub.reply = StubTokenEndpoint.json(200, "{\"access_token\":\"h.p.s\",\"expires_in\":600}");
        java.security.cert.X509Certificate leaf;
        try (var pem = TokenClientTest.class.getResourceAsStream("/x5c-test-leaf.pem")) {
            leaf = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(pem);
        }
        TokenClient c = TokenClient.builder().brokerUri(stub.base())
                .assertions(ClientAssertions.builder(identity).certificateChain(List.of(leaf)))
                .build();
        c.fetch().join();

        SignedJWT assertion = SignedJWT.parse(stub.forms.poll().get("client_assertion"));
        assertThat(assertion.getJWTClaimsSet().getAudience()).isEqualTo(List.of(stub.base() + "/oauth/token"));
        assertThat(assertion.getHeader().getX509CertChain()).hasSize(1);
        assertThat(assertion.verify(new ECDSAVerifier((ECKey) identity.publicJwk()))).isTrue();
    }

    /** A node reached at its own address names the broker's public token endpoint; a group device too. */
    @Test
    void theClientsAudienceGoesToAnAssertionsBuilderWithoutOneAndAnAudienceOfItsOwnWins() throws Exception {
        stub.reply = StubTokenEndpoint.json(200, "{\"access_token\":\"h.p.s\",\"expires_in\":600}");
        byte[] key = new byte[32];
        TokenClient group = TokenClient.builder().brokerUri(stub.base()).audience("https://broker.example/oauth/token")
                .assertions(ClientAssertions.groupBuilder("meter-9", "sensors", key)).build();
        group.fetch().join();
        SignedJWT a = SignedJWT.parse(stub.forms.poll().get("client_assertion"));
        assertThat(a.getJWTClaimsSet().getAudience()).isEqualTo(List.of("https://broker.example/oauth/token"));
        assertThat(a.getHeader().getKeyID()).isEqualTo("sensors");

        TokenClient own = TokenClient.builder().brokerUri(stub.base()).audience("https://ignored.example/oauth/token")
                .assertions(ClientAssertions.builder(identity).audience("https://broker.example/oauth/token")).build();
        own.fetch().join();
        assertThat(SignedJWT.parse(stub.forms.poll().get("client_assertion")).getJWTClaimsSet().getAudience())
                .isEqualTo(List.of("https://broker.example/oauth/token"));
    }

    private static TokenRequestException failure(TokenClient c) {
        Throwable t = catchThrowable(() -> c.fetch().join());
        assertThat(t).isInstanceOf(CompletionException.class);
        assertThat(t.getCause()).isInstanceOf(TokenRequestException.class);
        return (TokenRequestException) t.getCause();
    }
}
