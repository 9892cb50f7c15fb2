package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.sun.net.httpserver.HttpServer;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.device.ClientAssertions;
import io.edgeauth.device.DeviceIdentity;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.Key;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwe.JsonWebEncryption;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jws.JsonWebSignature;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, encrypting to a named resource server: a device asks {@code /oauth/token} for a
 * {@code token_format=jwe} token with {@code audience} = a registered resource server; the token is
 * encrypted to that server's {@code use: enc} key (ECDH-ES for an inline EC JWKS, RSA-OAEP-256 for an RSA key
 * from a JWKS URL), so jose4j opens it with the server's private key and verifies the inner signature with
 * the broker's JWKS, while the broker itself cannot open it; unknown audiences and non-JWT formats are refused.
 */
class ResourceServerEncryptionTest {
    static final String EC_RS = "https://rs-ec.test";
    static final String RSA_RS = "https://rs-rsa.test";

    @TempDir
    Path dir;

    @Test
    void aJweForAResourceServerOpensOnlyWithItsKey() throws Exception {
        ECKey ecKey = new ECKeyGenerator(Curve.P_256).keyID("rs-ec-1").keyUse(KeyUse.ENCRYPTION).generate();
        ECKey signingDecoy = new ECKeyGenerator(Curve.P_256).keyID("rs-sig").keyUse(KeyUse.SIGNATURE).generate();
        RSAKey rsaKey = new RSAKeyGenerator(2048).keyID("rs-rsa-1").keyUse(KeyUse.ENCRYPTION).generate();
        byte[] rsaJwks = new JWKSet(rsaKey.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
        HttpServer jwksServer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        jwksServer.createContext("/jwks", exchange -> {
            exchange.sendResponseHeaders(200, rsaJwks.length);
            exchange.getResponseBody().write(rsaJwks);
            exchange.close();
        });
        jwksServer.start();
        JsonArray servers = new JsonArray()
                .add(new JsonObject().put("audience", EC_RS).put("jwks",
                        new JsonObject(new JWKSet(List.of(signingDecoy.toPublicJWK(), ecKey.toPublicJWK())).toString())))
                .add(new JsonObject().put("audience", RSA_RS)
                        .put("jwksUri", "http://127.0.0.1:" + jwksServer.getAddress().getPort() + "/jwks"));
        Broker broker = Broker.start(TestBrokers.config(dir, Map.of("EDGEAUTH_TOKENS_RESOURCE_SERVERS", servers.encode())));
        try {
            String base = "http://localhost:" + broker.httpPort();
            Http admin = new Http(base, broker.newAdminCredential().orElseThrow());
            Http anonymous = new Http(base, null);
            DeviceIdentity device = TestDevices.register(admin, "rs-pump");
            String brokerJwks = anonymous.get("/.well-known/jwks.json").body();

            String forEc = token(anonymous, base, device, "jwe", "audience", EC_RS);
            String inner = open(forEc, "ECDH-ES", ecKey.toECPrivateKey());
            assertThat(verifiedPayload(inner, brokerJwks)).contains("\"sub\":\"rs-pump\"").contains("\"aud\":\"" + EC_RS + "\"");
            assertThat(TestDevices.active(admin, forEc)).as("the broker is not the recipient").isFalse();

            String forRsa = token(anonymous, base, device, "jwe", "resource", RSA_RS);
            assertThat(verifiedPayload(open(forRsa, "RSA-OAEP-256", rsaKey.toRSAPrivateKey()), brokerJwks))
                    .contains("\"aud\":\"" + RSA_RS + "\"");

            assertThat(tokenResponse(anonymous, base, device, "jwe", "audience", "https://stranger.test").statusCode())
                    .isEqualTo(400);
            HttpResponse<String> unknown = tokenResponse(anonymous, base, device, "jwe", "audience", "https://stranger.test");
            assertThat(new JsonObject(unknown.body()).getString("error")).isEqualTo("invalid_target");
            assertThat(tokenResponse(anonymous, base, device, "cwt-encrypted", "audience", EC_RS).statusCode())
                    .as("COSE_Encrypt0 has no recipient structure").isEqualTo(400);
            assertThat(tokenResponse(anonymous, base, device, "jwe", "audience", "x".repeat(10_000)).statusCode())
                    .isEqualTo(400);
        } finally {
            broker.close();
            jwksServer.stop(0);
        }
    }

    @Test
    void badResourceServersStopTheStart() throws Exception {
        ECKey privateKey = new ECKeyGenerator(Curve.P_256).keyID("k").keyUse(KeyUse.ENCRYPTION).generate();
        ECKey signOnly = new ECKeyGenerator(Curve.P_256).keyID("s").keyUse(KeyUse.SIGNATURE).generate();
        Map<String, String> cases = Map.of(
                new JsonArray().add(new JsonObject().put("audience", EC_RS)
                        .put("jwks", new JsonObject(new JWKSet(privateKey).toString(false)))).encode(), "public keys only",
                new JsonArray().add(new JsonObject().put("audience", EC_RS)
                        .put("jwks", new JsonObject(new JWKSet(signOnly.toPublicJWK()).toString()))).encode(), "\"enc\"",
                new JsonArray().add(new JsonObject().put("audience", EC_RS)).encode(), "exactly one of jwksUri or jwks",
                new JsonArray().add(new JsonObject().put("audience", EC_RS).put("jwksUri", "http://rs.example/jwks"))
                        .encode(), "https",
                new JsonArray().add(new JsonObject().put("audience", "edgeauth").put("jwksUri", "https://rs/jwks"))
                        .encode(), "broker's own audience");
        cases.forEach((servers, message) -> org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                        TestBrokers.config(dir, Map.of("EDGEAUTH_TOKENS_RESOURCE_SERVERS", servers)))
                .as(servers).hasMessageContaining("tokens.resourceServers[0]").hasMessageContaining(message));
    }

    private static String open(String token, String alg, Key privateKey) throws Exception {
        JsonWebEncryption jwe = new JsonWebEncryption();
        jwe.setAlgorithmConstraints(new AlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, alg));
        jwe.setContentEncryptionAlgorithmConstraints(new AlgorithmConstraints(
                AlgorithmConstraints.ConstraintType.PERMIT, "A256GCM"));
        jwe.setCompactSerialization(token);
        jwe.setKey(privateKey);
        assertThat(jwe.getHeader("cty")).isEqualTo("JWT");
        return jwe.getPlaintextString();
    }

    private static String verifiedPayload(String inner, String brokerJwks) throws Exception {
        JsonWebSignature jws = new JsonWebSignature();
        jws.setCompactSerialization(inner);
        jws.setKey(new JsonWebKeySet(brokerJwks).findJsonWebKey(jws.getKeyIdHeaderValue(), null, null, null).getKey());
        assertThat(jws.verifySignature()).isTrue();
        return jws.getPayload();
    }

    private static String token(Http http, String base, DeviceIdentity device, String format, String param,
                                String audience) {
        HttpResponse<String> r = tokenResponse(http, base, device, format, param, audience);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new JsonObject(r.body()).getString("access_token");
    }

    private static HttpResponse<String> tokenResponse(Http http, String base, DeviceIdentity device, String format,
                                                      String param, String audience) {
        Map<String, String> form = new HashMap<>(Map.of("grant_type", "client_credentials", "token_format", format,
                "client_assertion_type", ClientAssertions.ASSERTION_TYPE,
                "client_assertion", TestDevices.assertion(base, device), param, audience));
        return http.postForm("/oauth/token", form);
    }
}
