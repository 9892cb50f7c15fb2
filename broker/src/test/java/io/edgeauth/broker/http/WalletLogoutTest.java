package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.InProcessBrokerTest;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.broker.testsupport.Wallets;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;

/**
 * Tour W, W2 and W8: a wallet's logout (RFC 7009 revocation of its refresh token) and refresh-token reuse
 * detection end the access tokens issued from that refresh family, and the sessions using them; the refresh
 * token alone is the credential to revoke itself.
 */
class WalletLogoutTest extends InProcessBrokerTest {

    private static JsonObject refresh(String refreshToken) {
        var r = anonymous.postForm("/oauth/token", Map.of("grant_type", "refresh_token", "refresh_token", refreshToken));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new JsonObject(r.body());
    }

    private static boolean active(String token) {
        return TestDevices.active(admin, token);
    }

    @Test
    void logoutEndsTheFamilysAccessTokensAndTheirMqttSessions() throws Exception {
        ECKeyPair wallet = Keys.createEcKeyPair();
        JsonObject login = Wallets.siweLogin(base, wallet);
        String access = login.getString("access_token");
        JsonObject other = Wallets.siweLogin(base, wallet); // another login of the same wallet: another family

        Mqtt5BlockingClient mqtt = MqttClient.builder().useMqttVersion5().identifier(Wallets.did(wallet) + "#app")
                .serverHost("127.0.0.1").serverPort(broker.mqttPort()).buildBlocking();
        mqtt.connectWith().simpleAuth().username(Wallets.did(wallet))
                .password(access.getBytes(StandardCharsets.US_ASCII)).applySimpleAuth().send();
        try {
            var revoked = new Http(base, access).postForm("/oauth/revoke",
                    Map.of("token", login.getString("refresh_token")));
            assertThat(revoked.statusCode()).isEqualTo(200);

            assertThat(active(access)).as("the family's access token").isFalse();
            await().atMost(Duration.ofMillis(1500)).until(() -> !mqtt.getState().isConnected());
            assertThat(active(other.getString("access_token"))).as("another login's access token").isTrue();
            refresh(other.getString("refresh_token"));
        } finally {
            if (mqtt.getState().isConnected()) {
                mqtt.disconnect();
            }
        }
    }

    @Test
    void reuseDetectionEndsEveryAccessTokenOfTheFamily() throws Exception {
        JsonObject login = Wallets.siweLogin(base, Keys.createEcKeyPair());
        JsonObject renewed = refresh(login.getString("refresh_token"));
        assertThat(active(renewed.getString("access_token"))).isTrue();

        var reuse = anonymous.postForm("/oauth/token",
                Map.of("grant_type", "refresh_token", "refresh_token", login.getString("refresh_token")));
        assertThat(reuse.statusCode()).isEqualTo(400);

        assertThat(active(login.getString("access_token"))).as("the first access token").isFalse();
        assertThat(active(renewed.getString("access_token"))).as("the access token of the rotation").isFalse();
    }

    @Test
    void aRefreshTokenRevokesItselfWithoutABearer() throws Exception {
        JsonObject login = Wallets.siweLogin(base, Keys.createEcKeyPair());
        var revoked = anonymous.postForm("/oauth/revoke", Map.of("token", login.getString("refresh_token")));
        assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);

        var refused = anonymous.postForm("/oauth/token",
                Map.of("grant_type", "refresh_token", "refresh_token", login.getString("refresh_token")));
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(active(login.getString("access_token"))).isFalse();
        // an access token still needs a credential to be revoked: anyone could otherwise end a stolen-looking one
        assertThat(anonymous.postForm("/oauth/revoke", Map.of("token", "x")).statusCode()).isEqualTo(401);
    }
}
