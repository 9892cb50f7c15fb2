package io.edgeauth.broker.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.Wallets;
import io.edgeauth.device.AccessToken;
import io.edgeauth.device.DeviceIdentity;
import io.edgeauth.device.TokenFormat;
import io.edgeauth.wallet.SiweMessage;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * Issue 10, hole 18 (SIWE and ACE parts): a SIWE message issued in the future beyond the clock leeway is
 * refused, and {@code /authz-info} answers 4.01 for a token that has already expired (also within the
 * leeway, where the verifier still accepts it) instead of binding a session that is dead on arrival.
 */
class ClockEdgesTest {
    @TempDir
    Path dataDir;

    @Test
    void aSiweMessageIssuedInTheFutureIsRefused() throws Exception {
        try (Broker broker = Broker.start(TestBrokers.config(dataDir))) {
            String base = "http://localhost:" + broker.httpPort();
            Http anonymous = new Http(base, null);
            ECKeyPair key = Keys.createEcKeyPair();
            HttpResponse<String> future = siweLogin(anonymous, base, key, Instant.now().plus(Duration.ofMinutes(5)));
            assertThat(future.statusCode()).as(future.body()).isEqualTo(401);
            assertThat(future.body()).contains("issued_at");
            HttpResponse<String> withinLeeway = siweLogin(anonymous, base, key, Instant.now().plusSeconds(10));
            assertThat(withinLeeway.statusCode()).as(withinLeeway.body()).isEqualTo(200);
        }
    }

    @Test
    void authzInfoAnswersUnauthorizedForAnAlreadyExpiredToken() throws Exception {
        // one clock (issue 10 hole 8): every edge accepts a token until exp + the clock leeway, so "expired" here
        // is past that; a 1 s leeway keeps the wait short
        try (Broker broker = Broker.start(TestBrokers.config(dataDir, Map.of("EDGEAUTH_TOKENS_DEFAULT_LIFETIME", "1s",
                "EDGEAUTH_TOKENS_CLOCK_LEEWAY", "1s")))) {
            String base = "http://localhost:" + broker.httpPort();
            Http admin = new Http(base, broker.newAdminCredential().orElseThrow());
            DeviceIdentity device = DeviceFixtures.register(admin, "clock-dev", null, List.of());
            AccessToken cwt = DeviceFixtures.token(base, device, TokenFormat.CWT);
            await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(cwt.expiresAt().plusSeconds(2)));
            CoapClient client = new CoapClient("coap://127.0.0.1:" + broker.coapPort() + "/authz-info");
            try {
                assertThat(client.post(cwt.bytes(), MediaTypeRegistry.APPLICATION_CWT).getCode())
                        .isEqualTo(CoAP.ResponseCode.UNAUTHORIZED);
            } finally {
                client.shutdown();
            }
        }
    }

    static HttpResponse<String> siweLogin(Http anonymous, String base, ECKeyPair key, Instant issuedAt) throws Exception {
        String nonce = new JsonObject(anonymous.get("/siwe/nonce").body()).getString("nonce");
        URI uri = URI.create(base);
        String text = SiweMessage.builder().scheme(uri.getScheme()).domain(uri.getHost() + ":" + uri.getPort())
                .address(Wallets.address(key)).statement("Sign in to edgeauth").uri(base + "/login").version("1")
                .chainId(1).nonce(nonce).issuedAt(issuedAt.toString()).build().toMessageString();
        return anonymous.postJson("/siwe/login", new JsonObject().put("message", text)
                .put("signature", Wallets.personalSign(text, key)).encode());
    }
}
