package io.edgeauth.broker.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.broker.testsupport.Wallets;
import io.edgeauth.device.ClientAssertions;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.wallet.SiweMessage;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * Tour O: refusals at the token endpoint as the operator sees them in the audit file and /metrics. F1: one refusal
 * was two {@code token.refused} lines, without the source address; F2: so they never raised
 * {@code anomaly.refusal_burst}; F9: refusals before client authentication were neither audited nor counted; F17:
 * refresh-token reuse named no source address and refresh grants were in no token metric; F4: the source address had
 * three formats, and a refused SIWE login did not name its wallet.
 */
class TokenRefusalAuditTest {
    /** The one documented format of {@code remote}: numeric host, colon, port (IPv6 in brackets). */
    static final String REMOTE = "127\\.0\\.0\\.1:\\d+";

    @TempDir
    Path dir;

    @Test
    void eachHttpTokenRefusalIsOneAuditedCountedEventWithItsSourceAddress() throws Exception {
        Path file = dir.resolve("audit.log");
        Broker broker = Broker.start(TestBrokers.config(dir.resolve("data"), Map.of("EDGEAUTH_AUDIT_FILE",
                file.toString(), "EDGEAUTH_AUDIT_ANOMALIES_REFUSAL_BURST", "7")));
        String metrics;
        try {
            String base = "http://localhost:" + broker.httpPort();
            Http admin = new Http(base, broker.newAdminCredential().orElseThrow());
            Http anonymous = new Http(base, null);
            DeviceIdentity pump = TestDevices.register(admin, "pump-r");
            String assertion = TestDevices.assertion(base, pump);
            Map<String, String> form = Map.of("grant_type", "client_credentials",
                    "client_assertion_type", ClientAssertions.ASSERTION_TYPE, "client_assertion", assertion);
            assertThat(anonymous.postForm("/oauth/token", form).statusCode()).isEqualTo(200);
            for (int i = 0; i < 3; i++) { // replayed
                assertThat(anonymous.postForm("/oauth/token", form).statusCode()).isEqualTo(401);
            }
            String elsewhere = ClientAssertions.builder(pump).audience("http://evil.example/").build().create();
            assertThat(anonymous.postForm("/oauth/token", Map.of("grant_type", "client_credentials",
                    "client_assertion_type", ClientAssertions.ASSERTION_TYPE, "client_assertion", elsewhere))
                    .statusCode()).isEqualTo(401);
            // decided before client authentication (F9)
            assertThat(anonymous.postForm("/oauth/token", Map.of("grant_type", "foo1")).statusCode()).isEqualTo(400);
            assertThat(anonymous.postForm("/oauth/token", Map.of("grant_type", "client_credentials")).statusCode())
                    .isEqualTo(400);
            assertThat(anonymous.postRaw("/oauth/token", "application/x-www-form-urlencoded",
                    "grant_type=client_credentials&scope=%".getBytes(StandardCharsets.US_ASCII)).statusCode())
                    .isEqualTo(400);

            // a refusal is counted just after its answer is sent (on the worker, while the loop writes it): under load
            // the scrape can come first, so it is read again until the last refusal shows or 10 s pass
            metrics = Scrapes.until(admin, "edgeauth_tokens_refused_total{grant=\"other\",reason=\"malformed\"} 2.0");
        } finally {
            broker.close();
        }
        List<JsonObject> events = Files.readAllLines(file).stream().map(JsonObject::new).toList();
        List<JsonObject> refused = events.stream().filter(e -> "token.refused".equals(e.getString("event"))).toList();
        assertThat(refused).as("one line per refusal (F1, F9)").hasSize(7);
        assertThat(refused).allSatisfy(e -> assertThat(e.getString("remote")).matches(REMOTE));
        assertThat(refused).extracting(e -> e.getString("outcome"))
                .containsExactly("replayed", "replayed", "replayed", "wrong_audience", "malformed", "malformed",
                        "malformed");
        assertThat(refused.get(0).getString("client_id")).isEqualTo("pump-r");
        List<JsonObject> bursts = events.stream().filter(e -> "anomaly.refusal_burst".equals(e.getString("event")))
                .toList();
        assertThat(bursts).as("F2").hasSize(1);
        assertThat(bursts.get(0).getString("source")).isEqualTo("127.0.0.1");
        assertThat(bursts.get(0).getString("last_event")).isEqualTo("token.refused");

        assertThat(events).filteredOn(e -> "auth.refused".equals(e.getString("event")) || "auth.accepted"
                .equals(e.getString("event"))).allSatisfy(e -> assertThat(e.getString("remote")).matches(REMOTE));

        assertThat(metrics).contains("edgeauth_tokens_refused_total{grant=\"client_credentials\",reason=\"replayed\"} 3.0")
                .contains("edgeauth_tokens_refused_total{grant=\"client_credentials\",reason=\"malformed\"} 1.0")
                .contains("edgeauth_tokens_refused_total{grant=\"other\",reason=\"malformed\"} 2.0")
;
    }

    /**
     * Wallet refreshes and logins (F17, F4), on a broker of their own: after the refusals above from the same address
     * the audit's refusal summary (tour O, F15) would write none of their refusals one by one.
     */
    @Test
    void walletRefreshesAndLoginsCarryTheirSourceAddressAndAreCounted() throws Exception {
        Path file = dir.resolve("wallet-audit.log");
        Broker broker = Broker.start(TestBrokers.config(dir.resolve("wallet-data"), Map.of("EDGEAUTH_AUDIT_FILE",
                file.toString())));
        String metrics;
        String wallet;
        try {
            String base = "http://localhost:" + broker.httpPort();
            Http admin = new Http(base, broker.newAdminCredential().orElseThrow());
            Http anonymous = new Http(base, null);
            // wallet: login, rotate, present the rotated token again (reuse), then the family's newest (revoked)
            ECKeyPair key = Keys.createEcKeyPair();
            wallet = Wallets.address(key);
            String r1 = Wallets.siweLogin(base, key).getString("refresh_token");
            JsonObject rotated = new JsonObject(anonymous.postForm("/oauth/token",
                    Map.of("grant_type", "refresh_token", "refresh_token", r1)).body());
            assertThat(anonymous.postForm("/oauth/token", Map.of("grant_type", "refresh_token", "refresh_token", r1))
                    .statusCode()).isEqualTo(400);
            assertThat(anonymous.postForm("/oauth/token", Map.of("grant_type", "refresh_token",
                    "refresh_token", rotated.getString("refresh_token"))).statusCode()).isEqualTo(400);
            // a login the wallet's key did not sign (F4: the refusal names the wallet it claims)
            String nonce = new JsonObject(anonymous.get("/siwe/nonce").body()).getString("nonce");
            URI uri = URI.create(base);
            String text = SiweMessage.builder().scheme(uri.getScheme()).domain(uri.getHost() + ":" + uri.getPort())
                    .address(wallet).statement("Sign in").uri(base + "/login").version("1").chainId(1)
                    .nonce(nonce).issuedAt(Instant.now().toString()).build().toMessageString();
            assertThat(anonymous.postJson("/siwe/login", new JsonObject().put("message", text)
                    .put("signature", Wallets.personalSign(text, Keys.createEcKeyPair())).encode()).statusCode())
                    .isNotEqualTo(200);
            // a refusal is counted just after its answer is sent (on the worker, while the loop writes it): under load
            // the scrape can come first, so it is read again until the last refusal shows or 10 s pass
            metrics = Scrapes.until(admin, "edgeauth_tokens_refused_total{grant=\"refresh_token\",reason=\"family_revoked\"} 1.0");
        } finally {
            broker.close();
        }
        List<JsonObject> events = Files.readAllLines(file).stream().map(JsonObject::new).toList();
        assertThat(events).filteredOn(e -> e.getString("event").startsWith("refresh.")
                || e.getString("event").equals("siwe.login"))
                .hasSize(4).allSatisfy(e -> assertThat(e.getString("remote")).as(e.encode()).matches(REMOTE));
        JsonObject refusedLogin = events.stream().filter(e -> "siwe.login".equals(e.getString("event"))
                && !"ok".equals(e.getString("outcome"))).findFirst().orElseThrow();
        assertThat(refusedLogin.getString("address")).isEqualToIgnoringCase(wallet);
        assertThat(metrics).containsPattern("edgeauth_tokens_issued_total\\{format=\"jwt\",grant=\"refresh_token\"} 1\\.0")
                .contains("edgeauth_tokens_refused_total{grant=\"refresh_token\",reason=\"reused_family_revoked\"} 1.0")
                .contains("edgeauth_tokens_refused_total{grant=\"refresh_token\",reason=\"family_revoked\"} 1.0");
    }

    /** The metrics page, read until it holds {@code line} (at most 10 s; then as last read, for the assertions). */
    private static final class Scrapes {
        static String until(Http admin, String line) {
            String[] body = {""};
            try {
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).ignoreExceptions()
                        .until(() -> (body[0] = admin.get("/metrics").body()).contains(line));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                // the assertions that follow name what is missing
            }
            return body[0];
        }
    }
}
