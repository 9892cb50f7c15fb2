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
        // one site for both brokers: by default it is the broker's own address, and the second one has another port
        Map<String, String> site = Map.of("EDGEAUTH_WALLET_DOMAINS", "[app.example.com]",
                "EDGEAUTH_WALLET_ORIGINS", "['https://app.example.com']");
        try (Broker broker = Broker.start(TestBrokers.config(data, with(site, "EDGEAUTH_WALLET_CHAIN_IDS", "[1, 137]")))) {
            String base = "http://localhost:" + broker.httpPort();
            polygon = login(base, Keys.createEcKeyPair(), 137).getString("refresh_token");
            mainnet = login(base, Keys.createEcKeyPair(), 1).getString("refresh_token");
        }
        try (Broker broker = Broker.start(TestBrokers.config(data, with(site, "EDGEAUTH_WALLET_CHAIN_IDS", "[1]")))) {
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

    /**
     * The same for a domain or an origin removed from {@code wallet.domains} or {@code wallet.origins}: a site the
     * operator no longer trusts (a retired or a hijacked front end) ended none of the sessions signed in on it.
     */
    @Test
    void aRefreshSignedOnARemovedDomainOrOriginIsRefused() throws Exception {
        Path data = dir.resolve("data");
        String kept;
        String oldDomain;
        String oldOrigin;
        Map<String, String> both = Map.of("EDGEAUTH_WALLET_DOMAINS", "[app.example.com, old.example.com]",
                "EDGEAUTH_WALLET_ORIGINS", "['https://app.example.com', 'https://old.example.com']");
        try (Broker broker = Broker.start(TestBrokers.config(data, both))) {
            String base = "http://localhost:" + broker.httpPort();
            kept = login(base, Keys.createEcKeyPair(), 1, "app.example.com", "https://app.example.com/login")
                    .getString("refresh_token");
            oldDomain = login(base, Keys.createEcKeyPair(), 1, "old.example.com", "https://app.example.com/login")
                    .getString("refresh_token");
            oldOrigin = login(base, Keys.createEcKeyPair(), 1, "app.example.com", "https://old.example.com/login")
                    .getString("refresh_token");
        }
        Map<String, String> one = Map.of("EDGEAUTH_WALLET_DOMAINS", "[app.example.com]",
                "EDGEAUTH_WALLET_ORIGINS", "['https://app.example.com']");
        try (Broker broker = Broker.start(TestBrokers.config(data, one))) {
            Http anonymous = new Http("http://localhost:" + broker.httpPort(), null);
            for (String removed : new String[] {oldDomain, oldOrigin}) {
                HttpResponse<String> refused = anonymous.postForm("/oauth/token",
                        Map.of("grant_type", "refresh_token", "refresh_token", removed));
                assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
                assertThat(new JsonObject(refused.body()).getString("error")).isEqualTo("invalid_grant");
            }
            HttpResponse<String> refreshed = anonymous.postForm("/oauth/token",
                    Map.of("grant_type", "refresh_token", "refresh_token", kept));
            assertThat(refreshed.statusCode()).as(refreshed.body()).isEqualTo(200);
        }
    }

    private static JsonObject login(String base, ECKeyPair key, long chainId) throws Exception {
        return login(base, key, chainId, "app.example.com", "https://app.example.com/login");
    }

    private static Map<String, String> with(Map<String, String> settings, String key, String value) {
        Map<String, String> all = new java.util.HashMap<>(settings);
        all.put(key, value);
        return all;
    }

    private static JsonObject login(String base, ECKeyPair key, long chainId, String domain, String siteUri)
            throws Exception {
        Http anonymous = new Http(base, null);
        String nonce = new JsonObject(anonymous.get("/siwe/nonce").body()).getString("nonce");
        String text = SiweMessage.builder().scheme(URI.create(siteUri).getScheme()).domain(domain)
                .address(Wallets.address(key)).uri(siteUri).chainId(chainId).nonce(nonce)
                .issuedAt(Instant.now().toString()).build().toMessageString();
        HttpResponse<String> login = anonymous.postJson("/siwe/login", new JsonObject().put("message", text)
                .put("signature", Wallets.personalSign(text, key)).encode());
        assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
        return new JsonObject(login.body());
    }
}
