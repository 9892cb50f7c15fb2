package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.InProcessBrokerTest;
import io.edgeauth.broker.testsupport.Wallets;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * Tour I (I5): a wallet's sessions are named by its EIP-55 checksummed address, but an operator revoking
 * {@code sub} with the address in lower case (as block explorers and most tools print it) got 201 and revoked
 * nothing: the wallet kept its sessions and signed in again. A wallet DID is now stored, read and lifted in its
 * checksummed form, as the registry stores device owners.
 */
class WalletRevocationSpellingTest extends InProcessBrokerTest {
    @Test
    void aLowerCaseWalletDidRevokesTheWallet() throws Exception {
        ECKeyPair key = Keys.createEcKeyPair();
        String did = Wallets.did(key);
        JsonObject first = Wallets.siweLogin(base, key);
        String lower = did.toLowerCase(Locale.ROOT);
        assertThat(lower).isNotEqualTo(did);
        HttpResponse<String> revoked = admin.postJson("/admin/revocations",
                new JsonObject().put("sub", lower).put("reason", "stolen key").encode());
        assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(201);
        assertThat(new JsonObject(revoked.body()).getString("value")).isEqualTo(did);

        HttpResponse<String> again = Wallets.siweAttempt(base, key);
        assertThat(again.statusCode()).as(again.body()).isEqualTo(403);
        assertThat(new Http(base, first.getString("access_token")).get("/me/devices").statusCode()).isEqualTo(401);

        assertThat(admin.get("/admin/revocations/sub/" + lower).statusCode()).isEqualTo(200);
        assertThat(admin.delete("/admin/revocations/sub/" + lower).statusCode()).isEqualTo(204);
        assertThat(Wallets.siweAttempt(base, key).statusCode()).isEqualTo(200);
    }
}
