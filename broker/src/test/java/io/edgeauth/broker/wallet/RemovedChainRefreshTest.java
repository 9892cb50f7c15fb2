package io.edgeauth.broker.wallet;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.Wallets;
import io.edgeauth.wallet.SiweMessage;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * Tour I, I14: a chain removed from {@code wallet.chainIds} ended no session on it: its refresh-token families went on
 * minting access tokens for up to {@code wallet.refreshTokenLifetime}. Now such a refresh is refused and ends the family
 * ({@code refresh.refused} {@code chain_not_allowed}); a chain still accepted refreshes as before.
 */
class RemovedChainRefreshTest {
    @TempDir
    Path dir;

    @Test
    void aRefreshOnARemovedChainIsRefused() throws Exception {
        Path data = dir.resolve("data");
        String polygon;
        String mainnet;
        try (Broker broker = Broker.start(TestBrokers.config(data, Map.of("EDGEAUTH_WALLET_CHAIN_IDS", "[1, 137]")))) {
            String base = "http://localhost:" + broker.httpPort();
            polygon = login(base, Keys.createEcKeyPair(), 137).getString("refresh_token");
            mainnet = Wallets.siweLogin(base, Keys.createEcKeyPair()).getString("refresh_token");
        }
        try (Broker broker = Broker.start(TestBrokers.config(data, Map.of("EDGEAUTH_WALLET_CHAIN_IDS", "[1]")))) {
            Http anonymous = new Http("http://localhost:" + broker.httpPort(), null);
            HttpResponse<String> refused = anonymous.postForm("/oauth/token",
                    Map.of("grant_type", "refresh_token", "refresh_token", polygon));
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
            assertThat(new JsonObject(refused.body()).getString("error")).isEqualTo("invalid_grant");
            HttpResponse<String> kept = anonymous.postForm("/oauth/token",
                    Map.of("grant_type", "refresh_token", "refresh_token", mainnet));
            assertThat(kept.statusCode()).as(kept.body()).isEqualTo(200);
        }
    }

    private static JsonObject login(String base, ECKeyPair key, long chainId) throws Exception {
        Http anonymous = new Http(base, null);
        String nonce = new JsonObject(anonymous.get("/siwe/nonce").body()).getString("nonce");
        URI uri = URI.create(base);
        String text = SiweMessage.builder().scheme(uri.getScheme()).domain(uri.getHost() + ":" + uri.getPort())
                .address(Wallets.address(key)).uri(base + "/login").chainId(chainId).nonce(nonce)
                .issuedAt(Instant.now().toString()).build().toMessageString();
        HttpResponse<String> login = anonymous.postJson("/siwe/login", new JsonObject().put("message", text)
                .put("signature", Wallets.personalSign(text, key)).encode());
        assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
        return new JsonObject(login.body());
    }
}
