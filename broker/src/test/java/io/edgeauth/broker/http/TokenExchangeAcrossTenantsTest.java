package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.device.DeviceIdentity;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A token exchange acts within one tenant: before, a device exchanged its own token with another tenant's device's
 * token as {@code actor_token}, and the new token named that device in {@code act}.
 */
class TokenExchangeAcrossTenantsTest {
    @TempDir
    Path dir;

    @Test
    void anActorTokenOfAnotherTenantIsRefused() {
        try (Broker broker = Broker.start(TestBrokers.config(dir.resolve("data"), Map.of(
                "EDGEAUTH_TENANTS", "[{\"id\":\"default\"},{\"id\":\"t2\"}]", "EDGEAUTH_COAP_PORT", "-1")))) {
            String url = broker.config().publicUrl();
            Http admin = new Http("http://127.0.0.1:" + broker.httpPort(), broker.newAdminCredential().orElseThrow());
            Http anonymous = new Http("http://127.0.0.1:" + broker.httpPort(), null);
            DeviceIdentity a = TestDevices.register(admin, "xt-a");
            DeviceIdentity other = TestDevices.register(admin, "xt-b", "t2");
            DeviceIdentity same = TestDevices.register(admin, "xt-c");
            String own = TestDevices.token(anonymous, url, a);
            HttpResponse<String> refused = TokenExchangeTest.exchange(anonymous, url, a, own, Map.of(
                    "actor_token", TestDevices.token(anonymous, url, other), "actor_token_type", TokenExchangeTest.ACCESS_TOKEN));
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
            assertThat(refused.body()).contains("another tenant");
            // the actor is the client (tour AG, AG3)
            HttpResponse<String> sameTenant = TokenExchangeTest.exchange(anonymous, url, same, own, Map.of(
                    "actor_token", TestDevices.token(anonymous, url, same), "actor_token_type", TokenExchangeTest.ACCESS_TOKEN));
            assertThat(sameTenant.statusCode()).as(sameTenant.body()).isEqualTo(200);
        }
    }
}
