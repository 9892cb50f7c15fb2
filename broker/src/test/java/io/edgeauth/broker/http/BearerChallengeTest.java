package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.InProcessBrokerTest;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.broker.testsupport.Wallets;
import io.edgeauth.wallet.SiweMessage;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * RFC 6750 §3 and §3.1, RFC 7662 §2.3 (audit tour A: A5, A16): a request without credentials gets
 * {@code WWW-Authenticate: Bearer} and no error code; a bad bearer token {@code error="invalid_token"}; a good one
 * without the privilege 403 {@code error="insufficient_scope"}; failures that are not about a bearer token (SIWE
 * login) no Bearer challenge at all. Before, every 401 said {@code Bearer error="<its error>"} and no 403 said anything.
 */
class BearerChallengeTest extends InProcessBrokerTest {
    private static final String GARBAGE = "eyJhbGciOiJub25lIn0.e30.";

    static String challenge(HttpResponse<String> r) {
        return r.headers().firstValue("www-authenticate").orElse(null);
    }

    static void assertNoCredentials(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
        assertThat(challenge(r)).as("no error information (RFC 6750 §3.1)").isEqualTo("Bearer");
        assertThat(new JsonObject(r.body()).getString("error")).isNotNull();
    }

    static void assertBadToken(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
        assertThat(challenge(r)).isEqualTo("Bearer error=\"invalid_token\"");
        assertThat(new JsonObject(r.body()).getString("error")).isEqualTo("invalid_token");
    }

    static void assertInsufficientScope(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
        assertThat(challenge(r)).isEqualTo("Bearer error=\"insufficient_scope\"");
        assertThat(new JsonObject(r.body()).getString("error")).isEqualTo("insufficient_scope");
    }

    @Test
    void aRequestWithoutCredentialsIsToldTheSchemeOnly() {
        String command = "{\"topic\":\"reboot\",\"payload\":\"now\"}";
        assertNoCredentials(anonymous.postJson("/devices/bc-none/commands", command));
        assertNoCredentials(anonymous.get("/admin/devices/bc-none"));
        assertNoCredentials(anonymous.get("/me/devices"));
        assertNoCredentials(anonymous.postForm("/oauth/introspect", Map.of("token", "x")));
        assertNoCredentials(anonymous.postForm("/oauth/revoke", Map.of("token", "x")));
    }

    @Test
    void aBadBearerTokenIsInvalidToken() {
        Http garbage = new Http(base, GARBAGE);
        assertBadToken(garbage.postJson("/devices/bc-x/commands", "{\"topic\":\"reboot\",\"payload\":\"now\"}"));
        assertBadToken(garbage.get("/admin/devices/bc-x"));
        assertBadToken(garbage.get("/me/devices"));
        assertBadToken(garbage.postForm("/oauth/introspect", Map.of("token", "x")));
        assertBadToken(garbage.postForm("/oauth/revoke", Map.of("token", "x")));
    }

    /** RFC 6750 §3: the resource server MUST say why a valid token does not enable access; A16: it was 401 invalid_client. */
    @Test
    void aGoodTokenWithoutThePrivilegeIs403InsufficientScope() {
        TestDevices.register(admin, "bc-b");
        String token = TestDevices.token(anonymous, base, TestDevices.register(admin, "bc-a"));
        Http device = new Http(base, token);
        assertInsufficientScope(device.postJson("/devices/bc-b/commands", "{\"topic\":\"reboot\",\"payload\":\"now\"}"));
        assertInsufficientScope(device.get("/me/devices"));
        HttpResponse<String> introspect = device.postForm("/oauth/introspect", Map.of("token", token));
        assertInsufficientScope(introspect);
        assertThat(new JsonObject(introspect.body()).getString("error_description")).contains("introspect");
    }

    /** A14: RFC 6749 §5.1, Pragma: no-cache beside Cache-Control: no-store on every answer with tokens. */
    @Test
    void siweLoginAndRefreshAnswersSayPragmaNoCache() throws Exception {
        ECKeyPair key = Keys.createEcKeyPair();
        URI uri = URI.create(base);
        String nonce = new JsonObject(anonymous.get("/siwe/nonce").body()).getString("nonce");
        String text = SiweMessage.builder().scheme(uri.getScheme()).domain(uri.getHost() + ":" + uri.getPort())
                .address(Wallets.address(key)).statement("Sign in to edgeauth").uri(base + "/login").version("1")
                .chainId(1).nonce(nonce).issuedAt(Instant.now().toString()).build().toMessageString();
        HttpResponse<String> login = anonymous.postJson("/siwe/login", new JsonObject().put("message", text)
                .put("signature", Wallets.personalSign(text, key)).encode());
        assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
        assertThat(login.headers().firstValue("cache-control")).hasValue("no-store");
        assertThat(login.headers().firstValue("pragma")).hasValue("no-cache");
        HttpResponse<String> refreshed = anonymous.postForm("/oauth/token", Map.of("grant_type", "refresh_token",
                "refresh_token", new JsonObject(login.body()).getString("refresh_token")));
        assertThat(refreshed.statusCode()).as(refreshed.body()).isEqualTo(200);
        assertThat(refreshed.headers().firstValue("pragma")).hasValue("no-cache");
    }

    @Test
    void aFailedSiweLoginIsNoBearerChallenge() throws Exception {
        ECKeyPair key = Keys.createEcKeyPair();
        URI uri = URI.create(base);
        String text = SiweMessage.builder().scheme(uri.getScheme()).domain(uri.getHost() + ":" + uri.getPort())
                .address(Wallets.address(key)).statement("Sign in to edgeauth").uri(base + "/login").version("1")
                .chainId(1).nonce("neverIssued12345").issuedAt(Instant.now().toString()).build().toMessageString();
        HttpResponse<String> r = anonymous.postJson("/siwe/login", new JsonObject().put("message", text)
                .put("signature", Wallets.personalSign(text, key)).encode());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
        assertThat(challenge(r)).isNull();
    }
}
