package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.testsupport.InProcessBrokerTest;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * RFC 8414 §3: authorization server metadata at {@code /.well-known/oauth-authorization-server}, without the fields
 * OpenID Connect Discovery requires of an OpenID provider (ID token algorithms, an implicit response type) that this
 * server, with no authorization endpoint and no ID tokens, does not have. Before, only the OpenID form existed and a
 * plain OAuth client's look-up got 404 (the API audit's A19).
 */
class DiscoveryMetadataTest extends InProcessBrokerTest {

    @Test
    void theOauthMetadataNamesOnlyWhatTheServerHas() {
        HttpResponse<String> r = anonymous.get("/.well-known/oauth-authorization-server");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonObject doc = new JsonObject(r.body());
        JsonObject oidc = new JsonObject(anonymous.get("/.well-known/openid-configuration").body());
        assertThat(doc.getString("issuer")).isEqualTo(oidc.getString("issuer"));
        assertThat(doc.getString("token_endpoint")).isEqualTo(oidc.getString("token_endpoint"));
        assertThat(doc.getString("jwks_uri")).isEqualTo(oidc.getString("jwks_uri"));
        assertThat(doc.getJsonArray("response_types_supported")).isEmpty();
        assertThat(doc.containsKey("id_token_signing_alg_values_supported")).isFalse();
        assertThat(doc.containsKey("subject_types_supported")).isFalse();
        assertThat(oidc.getJsonArray("id_token_signing_alg_values_supported")).isNotEmpty();
        assertThat(anonymous.get("/t/default/.well-known/oauth-authorization-server").statusCode()).isEqualTo(200);
        assertThat(anonymous.get("/t/nobody/.well-known/oauth-authorization-server").statusCode()).isEqualTo(404);
    }
}
