package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.TestServices;
import io.edgeauth.broker.testsupport.Wallets;
import io.edgeauth.device.DeviceIdentity;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * The token bound of the principals that are not devices ({@code tokenRequests.perClientBurst}, refilled at
 * {@code perClientPerMinute}): a service client at {@code client_credentials}, and a wallet at SIWE login and at
 * {@code refresh_token} (one budget per wallet, so rotating its refresh token does not escape it). Before, the device
 * bound (TokenRequestBoundsTest) had no counterpart for them: a leaked service key or a wallet script got tokens as
 * fast as the node signs them. Counted once the identity authenticated, so a stranger naming a service or a wallet
 * spends nothing; a refusal is 429 {@code slow_down} with the real wait as {@code Retry-After}, audited as each path
 * audits its refusals. Timing: a bucket refills while a loop runs, so loops go until the first refusal and assert what
 * was served at least, and waits are awaited, never slept.
 */
class ClientTokenBoundsTest {
    private static final String GRANTS = "sub:d/+/up/#";

    @TempDir
    Path dir;

    @Test
    void theDefaultBoundServesAServiceSixtyTokensThenTheRealWaitAndAWalletSixtyAndStrangersSpendNothing() throws Exception {
        Path audit = dir.resolve("audit.log");
        try (Broker broker = Broker.start(TestBrokers.config(dir.resolve("data"),
                Map.of("EDGEAUTH_AUDIT_FILE", audit.toString())))) {
            String base = "http://localhost:" + broker.httpPort();
            Http admin = new Http(base, broker.newAdminCredential().orElseThrow());
            Http anonymous = new Http(base, null);
            DeviceIdentity service = TestServices.register(admin, "cb-svc", "default", GRANTS);
            DeviceIdentity stranger = DeviceIdentity.generate("cb-svc"); // names the service, holds another key
            for (int i = 0; i < 5; i++) {
                assertThat(TestServices.clientCredentials(anonymous, base, stranger, null).statusCode()).isEqualTo(401);
            }
            long start = System.nanoTime();
            int served = 0;
            HttpResponse<String> over = null;
            for (int i = 0; i < 400 && over == null; i++) {
                HttpResponse<String> r = TestServices.clientCredentials(anonymous, base, service, null);
                if (r.statusCode() == 429) {
                    over = r;
                } else {
                    assertThat(r.statusCode()).as("token %d: %s", i, r.body()).isEqualTo(200);
                    served++;
                }
            }
            long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
            assertThat(over).as("refused within 400 requests").isNotNull();
            assertThat(served).as("the default burst (60), plus one a second of refill, and the strangers' tries"
                    + " spent none of it").isBetween(60, 60 + (int) seconds + 1);
            assertThat(new JsonObject(over.body()).getString("error")).isEqualTo("slow_down");
            assertThat(new JsonObject(over.body()).getString("error_description")).startsWith("rate_limited");
            assertThat(Long.parseLong(over.headers().firstValue("retry-after").orElseThrow()))
                    .as("one token back a second at 60 a minute").isEqualTo(1L);
            assertThat(anonymous.get("/metrics").body()).contains(
                    "edgeauth_tokens_refused_total{grant=\"service_client_credentials\",reason=\"rate_limited\"} 1.0");
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300)).until(() -> {
                int status = TestServices.clientCredentials(anonymous, base, service, null).statusCode();
                assertThat(status).isIn(200, 429);
                return status == 200;
            });

            start = System.nanoTime(); // a wallet: its login, then refresh after refresh, on one budget
            String refreshToken = Wallets.siweLogin(base, Keys.createEcKeyPair()).getString("refresh_token");
            served = 1;
            over = null;
            for (int i = 0; i < 400 && over == null; i++) {
                HttpResponse<String> r = refresh(anonymous, refreshToken);
                if (r.statusCode() == 429) {
                    over = r;
                } else {
                    assertThat(r.statusCode()).as("refresh %d: %s", i, r.body()).isEqualTo(200);
                    refreshToken = new JsonObject(r.body()).getString("refresh_token");
                    served++;
                }
            }
            seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
            assertThat(over).as("refused within 400 refreshes").isNotNull();
            assertThat(served).isBetween(60, 60 + (int) seconds + 1);
            assertThat(Long.parseLong(over.headers().firstValue("retry-after").orElseThrow())).isEqualTo(1L);
        }
        List<JsonObject> refused = refusals(audit, "token.refused");
        assertThat(refused).isNotEmpty().allSatisfy(e -> {
            assertThat(e.getString("client_id")).isEqualTo("cb-svc");
            assertThat(e.getString("principal")).isEqualTo("service");
            assertThat(e.getString("grant")).isEqualTo("client_credentials");
            assertThat(e.getString("remote")).matches("127\\.0\\.0\\.1:\\d+");
        });
    }

    @Test
    void aWalletHasOneBudgetForItsLoginsAndRefreshesWhichStrangersCannotSpend() throws Exception {
        Path audit = dir.resolve("audit.log");
        ECKeyPair wallet = Keys.createEcKeyPair();
        try (Broker broker = Broker.start(TestBrokers.config(dir.resolve("data"), Map.of(
                "EDGEAUTH_TOKEN_REQUESTS_PER_CLIENT_BURST", "2", "EDGEAUTH_TOKEN_REQUESTS_PER_CLIENT_PER_MINUTE", "1",
                "EDGEAUTH_AUDIT_FILE", audit.toString())))) {
            String base = "http://localhost:" + broker.httpPort();
            Http anonymous = new Http(base, null);
            ECKeyPair forger = Keys.createEcKeyPair();
            for (int i = 0; i < 3; i++) {
                assertThat(Wallets.siweAttempt(base, Wallets.address(wallet), forger).statusCode())
                        .as("a login naming the wallet, signed by another key").isEqualTo(401);
            }
            assertThat(refresh(anonymous, "rt_madeup").statusCode()).isEqualTo(400);
            JsonObject login = Wallets.siweLogin(base, wallet); // 1 of 2: the forgeries spent nothing
            HttpResponse<String> renewed = refresh(anonymous, login.getString("refresh_token")); // 2 of 2
            assertThat(renewed.statusCode()).as(renewed.body()).isEqualTo(200);

            HttpResponse<String> overByRefresh = refresh(anonymous,
                    new JsonObject(renewed.body()).getString("refresh_token"));
            assertThat(overByRefresh.statusCode()).as("the rotated token draws on the same budget").isEqualTo(429);
            assertThat(new JsonObject(overByRefresh.body()).getString("error")).isEqualTo("slow_down");
            assertThat(Long.parseLong(overByRefresh.headers().firstValue("retry-after").orElseThrow()))
                    .as("the bucket's wait, one token a minute").isBetween(30L, 60L);
            HttpResponse<String> overByLogin = Wallets.siweAttempt(base, wallet);
            assertThat(overByLogin.statusCode()).as("a new login too").isEqualTo(429);
            assertThat(new JsonObject(overByLogin.body()).getString("error")).isEqualTo("slow_down");
            assertThat(Long.parseLong(overByLogin.headers().firstValue("retry-after").orElseThrow())).isBetween(30L, 60L);
            assertThat(Wallets.siweAttempt(base, Keys.createEcKeyPair()).statusCode()).as("another wallet")
                    .isEqualTo(200);
            String metrics = anonymous.get("/metrics").body();
            assertThat(metrics).contains("edgeauth_siwe_logins_total{outcome=\"rate_limited\"} 1.0");
            assertThat(metrics).contains(
                    "edgeauth_tokens_refused_total{grant=\"refresh_token\",reason=\"rate_limited\"} 1.0");
        }
        String did = Wallets.did(wallet);
        assertThat(refusals(audit, "siwe.login")).singleElement().satisfies(e -> {
            assertThat(e.getString("sub")).isEqualTo(did);
            assertThat(e.getString("remote")).matches("127\\.0\\.0\\.1:\\d+");
        });
        assertThat(refusals(audit, "refresh.refused")).singleElement().satisfies(e -> {
            assertThat(e.getString("sub")).isEqualTo(did);
            assertThat(e.getString("family")).isNotBlank();
        });
    }

    @Test
    void aRefreshTokenRefusedForTheBudgetIsNotSpentAndServesAfterTheWait() throws Exception {
        try (Broker broker = Broker.start(TestBrokers.config(dir.resolve("data"), Map.of(
                "EDGEAUTH_TOKEN_REQUESTS_PER_CLIENT_BURST", "1", "EDGEAUTH_TOKEN_REQUESTS_PER_CLIENT_PER_MINUTE", "60")))) {
            String base = "http://localhost:" + broker.httpPort();
            Http anonymous = new Http(base, null);
            String token = Wallets.siweLogin(base, Keys.createEcKeyPair()).getString("refresh_token");
            HttpResponse<String> over = null;
            for (int i = 0; i < 200 && over == null; i++) { // a loaded machine may refill between two requests
                HttpResponse<String> r = refresh(anonymous, token);
                if (r.statusCode() == 429) {
                    over = r;
                } else {
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                    token = new JsonObject(r.body()).getString("refresh_token");
                }
            }
            assertThat(over).as("refused within 200 refreshes").isNotNull();
            assertThat(Long.parseLong(over.headers().firstValue("retry-after").orElseThrow())).isEqualTo(1L);
            String unspent = token;
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300)).until(() -> {
                HttpResponse<String> r = refresh(anonymous, unspent);
                assertThat(r.statusCode()).as("never invalid_grant: a refused refresh spends no token, so its retry"
                        + " is no reuse").isIn(200, 429);
                return r.statusCode() == 200;
            });
        }
    }

    @Test
    void theBoundOffLetsServicesAndWalletsPastTheDefault() throws Exception {
        try (Broker broker = Broker.start(TestBrokers.config(dir.resolve("data"),
                Map.of("EDGEAUTH_TOKEN_REQUESTS_PER_CLIENT_PER_MINUTE", "0")))) {
            String base = "http://localhost:" + broker.httpPort();
            Http admin = new Http(base, broker.newAdminCredential().orElseThrow());
            Http anonymous = new Http(base, null);
            DeviceIdentity service = TestServices.register(admin, "cb-free", "default", GRANTS);
            String token = Wallets.siweLogin(base, Keys.createEcKeyPair()).getString("refresh_token");
            for (int i = 0; i < 61; i++) {
                assertThat(TestServices.clientCredentials(anonymous, base, service, null).statusCode())
                        .as("service token %d", i).isEqualTo(200);
                HttpResponse<String> r = refresh(anonymous, token);
                assertThat(r.statusCode()).as("refresh %d", i).isEqualTo(200);
                token = new JsonObject(r.body()).getString("refresh_token");
            }
        }
    }

    private static HttpResponse<String> refresh(Http http, String refreshToken) {
        return http.postForm("/oauth/token", Map.of("grant_type", "refresh_token", "refresh_token", refreshToken));
    }

    private static List<JsonObject> refusals(Path audit, String event) throws Exception {
        return Files.readAllLines(audit).stream().map(JsonObject::new)
                .filter(e -> event.equals(e.getString("event")) && "rate_limited".equals(e.getString("outcome")))
                .toList();
    }
}
