package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.testsupport.InProcessBrokerTest;
import io.edgeauth.broker.testsupport.Wallets;
import io.edgeauth.wallet.SiweMessage;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Keys;

/**
 * Tour W, W7: a sign-in the broker cannot check now (the contract-wallet JSON-RPC node is down) answers 503 with
 * {@code Retry-After: http.retryAfterSeconds}, as every such 503 does. Port 1 on loopback refuses at once.
 */
@InProcessBrokerTest.Config({"EDGEAUTH_WALLET_RPC_ENDPOINTS={\"1\": \"http://127.0.0.1:1\"}",
        "EDGEAUTH_HTTP_RETRY_AFTER_SECONDS=7"})
class SiweUnavailableTest extends InProcessBrokerTest {

    @Test
    void aContractWalletCheckThatCannotReachItsNodeAnswers503WithRetryAfter() throws Exception {
        String nonce = new JsonObject(anonymous.get("/siwe/nonce").body()).getString("nonce");
        URI uri = URI.create(base);
        // signed by another key than the address's: the broker asks the node whether the address is a contract
        String text = SiweMessage.builder().scheme(uri.getScheme()).domain(uri.getHost() + ":" + uri.getPort())
                .address(Wallets.address(Keys.createEcKeyPair())).uri(base + "/login").version("1").chainId(1)
                .nonce(nonce).issuedAt(Instant.now().toString()).build().toMessageString();
        var response = anonymous.postJson("/siwe/login", new JsonObject().put("message", text)
                .put("signature", Wallets.personalSign(text, Keys.createEcKeyPair())).encode());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
        assertThat(new JsonObject(response.body()).getString("error")).isEqualTo("temporarily_unavailable");
        assertThat(response.headers().firstValue("retry-after")).hasValue("7");
    }
}
