package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.InProcessBrokerTest;
import io.edgeauth.broker.testsupport.Wallets;
import io.edgeauth.wallet.SiweMessage;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * Tour I (I4): a wallet that signs in on Sepolia (chain id 11155111, eight digits) gets a session it can use. Its
 * {@code sub} was no wallet DID to the pipeline (a 64-character cap left six digits for the chain id), so the login
 * answered 200 with tokens that {@code /me/devices} (and MQTT) refused with 401.
 */
@InProcessBrokerTest.Config("EDGEAUTH_WALLET_CHAIN_IDS=[1, 11155111]")
class SepoliaWalletSessionTest extends InProcessBrokerTest {
    @Test
    void aSepoliaSessionIsAWalletSession() throws Exception {
        ECKeyPair key = Keys.createEcKeyPair();
        String nonce = new JsonObject(anonymous.get("/siwe/nonce").body()).getString("nonce");
        URI uri = URI.create(base);
        String text = SiweMessage.builder().scheme(uri.getScheme()).domain(uri.getHost() + ":" + uri.getPort())
                .address(Wallets.address(key)).uri(base + "/login").chainId(11155111L).nonce(nonce)
                .issuedAt(Instant.now().toString()).build().toMessageString();
        HttpResponse<String> login = anonymous.postJson("/siwe/login", new JsonObject().put("message", text)
                .put("signature", Wallets.personalSign(text, key)).encode());
        assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
        JsonObject tokens = new JsonObject(login.body());
        assertThat(tokens.getString("sub")).isEqualTo("did:pkh:eip155:11155111:" + Wallets.address(key));
        HttpResponse<String> mine = new Http(base, tokens.getString("access_token")).get("/me/devices");
        assertThat(mine.statusCode()).as(mine.body()).isEqualTo(200);
    }
}
