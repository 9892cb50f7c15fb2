package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.testsupport.InProcessBrokerTest;
import io.edgeauth.broker.testsupport.Wallets;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Keys;

/**
 * Tour I (I6): {@code tokenRequests.perAddressPerMinute} is documented (BrokerConfig.TokenRequests) to bound
 * {@code /siwe/login} with the other token endpoints, but only {@code /oauth/token} and CoAP {@code /token} took it:
 * one address could post logins without end (each parsed and, with a live nonce, checked, a contract wallet's by a
 * JSON-RPC call). Now a login counts against the same per-address budget, before its body is read.
 */
@InProcessBrokerTest.Config("EDGEAUTH_TOKEN_REQUESTS_PER_ADDRESS_PER_MINUTE=3")
class SiweLoginAddressBoundTest extends InProcessBrokerTest {
    @Test
    void loginsFromOneAddressShareTheTokenEndpointsBudget() throws Exception {
        for (int i = 0; i < 3; i++) { // garbage counts as much as a good login
            assertThat(anonymous.postJson("/siwe/login", "{\"message\": \"x\", \"signature\": \"0x\"}").statusCode())
                    .isEqualTo(400);
        }
        HttpResponse<String> over = Wallets.siweAttempt(base, Keys.createEcKeyPair());
        assertThat(over.statusCode()).as(over.body()).isEqualTo(429);
        assertThat(new JsonObject(over.body()).getString("error")).isEqualTo("slow_down");
        assertThat(over.headers().firstValue("retry-after")).isPresent();
        // the nonce endpoint keeps its own bound
        assertThat(anonymous.get("/siwe/nonce").statusCode()).isEqualTo(200);
    }
}
