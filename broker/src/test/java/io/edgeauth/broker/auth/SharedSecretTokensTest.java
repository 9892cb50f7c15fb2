package io.edgeauth.broker.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.broker.testsupport.TestServices;
import io.edgeauth.device.ClientAssertions;
import io.edgeauth.device.DeviceIdentity;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tenant's {@code hs256Secret} lets its service clients present HS256 tokens they sign themselves. Whoever holds the
 * secret can sign any claims: before, a token it signed for any device, wallet or service of the tenant, with any
 * topic scope, was accepted on every edge (MQTT, introspection) and could be exchanged for a broker-signed one. Now
 * such a token names one of the tenant's services, within its registered grants, or is refused.
 */
class SharedSecretTokensTest {
    @TempDir
    static Path dir;
    static Broker broker;
    static String base;
    static Http admin;
    static byte[] secret = new byte[32];

    @BeforeAll
    static void start() {
        new SecureRandom().nextBytes(secret);
        broker = Broker.start(TestBrokers.config(dir.resolve("data"), Map.of("EDGEAUTH_TENANTS",
                "[{\"id\":\"default\",\"hs256Secret\":\"" + Base64.getEncoder().encodeToString(secret) + "\"}]",
                "EDGEAUTH_COAP_PORT", "-1")));
        base = "http://127.0.0.1:" + broker.httpPort();
        admin = new Http(base, broker.newAdminCredential().orElseThrow());
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    static String minted(String subject, String scope) throws Exception {
        return minted(subject, scope, UUID.randomUUID().toString());
    }

    static String minted(String subject, String scope, String jti) throws Exception {
        long now = System.currentTimeMillis() / 1000;
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(broker.config().publicUrl()).subject(subject)
                .audience(broker.config().publicUrl()).issueTime(new Date(now * 1000))
                .expirationTime(new Date((now + 300) * 1000)).jwtID(jti)
                .claim("tenant_id", "default").claim("scope", scope).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("hs256-default")
                .type(new JOSEObjectType("at+jwt")).build(), claims);
        jwt.sign(new MACSigner(secret));
        return jwt.serialize();
    }

    @Test
    void aServiceConnectsWithinItsGrants() throws Exception {
        TestServices.register(admin, "ss-bridge", "default", "sub:d/+/up/#");
        String token = minted("ss-bridge", "sub:d/+/up/#");
        assertThat(TestDevices.active(admin, token)).isTrue();
        TestDevices.connectMqtt(broker.mqttPort(), "ss-bridge", token);

        String wider = minted("ss-bridge", "sub:#");
        assertThat(TestDevices.active(admin, wider)).as("beyond its grants").isFalse();
        // a plain scope is the broker's to grant (introspect lets a token read the tenant's others)
        String introspecting = minted("ss-bridge", "introspect sub:d/+/up/#");
        assertThat(TestDevices.active(admin, introspecting)).as("with introspect").isFalse();
    }

    @Test
    void aDeviceOrWalletCannotBeImpersonatedWithTheSecret() throws Exception {
        TestDevices.register(admin, "ss-pump");
        for (String subject : new String[] {"ss-pump", "did:pkh:eip155:1:0x00000000000000000000000000000000000000aA"}) {
            String forged = minted(subject, "sub:# pub:#");
            assertThat(TestDevices.active(admin, forged)).as(subject).isFalse();
            assertThatThrownBy(() -> TestDevices.connectMqtt(broker.mqttPort(), subject.startsWith("did:")
                    ? subject + "#1" : subject, forged)).as(subject).isInstanceOf(Mqtt5ConnAckException.class)
                    .hasMessageContaining("NOT_AUTHORIZED");
        }
    }

    @Test
    void aTokenTheSecretSignedIsNotExchangedForOneTheBrokerSigns() throws Exception {
        DeviceIdentity device = TestDevices.register(admin, "ss-valve");
        HttpResponse<String> r = admin.postForm("/oauth/token", Map.of(
                "grant_type", "urn:ietf:params:oauth:grant-type:token-exchange",
                "subject_token", minted("ss-valve", "sub:# pub:#"),
                "subject_token_type", "urn:ietf:params:oauth:token-type:access_token",
                "client_assertion_type", ClientAssertions.ASSERTION_TYPE,
                "client_assertion", TestDevices.assertion(broker.config().publicUrl(), device)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(r.body()).contains("not one of this broker's tokens");
    }

    /**
     * RFC 7009 by the holder: the broker revokes by {@code jti}, one name space for every tenant and issuer. A token
     * the holder signs itself carries any {@code jti} it likes: before, a service revoking "its own" token revoked a
     * device's token (and every token exchanged from it) that had the same {@code jti}, and each freshly minted token
     * it revoked left one more revocation record on every node, with no issuance budget to bound them (tour AG, AG1).
     */
    @Test
    void aHolderCannotRevokeAJtiItChoseInATokenItSignedItself() throws Exception {
        TestServices.register(admin, "ss-revoker", "default", "sub:d/+/up/#");
        DeviceIdentity device = TestDevices.register(admin, "ss-victim");
        String publicUrl = broker.config().publicUrl();
        String victim = TestDevices.token(new Http(base, null), publicUrl, device);
        String victimJti = new io.vertx.core.json.JsonObject(admin.postForm("/oauth/introspect",
                Map.of("token", victim)).body()).getString("jti");
        String own = minted("ss-revoker", "sub:d/+/up/#", victimJti);
        assertThat(TestDevices.active(admin, own)).as("the service's token is in force").isTrue();
        HttpResponse<String> r = new Http(base, own).postForm("/oauth/revoke", Map.of("token", own));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(r.body()).contains("unsupported_token_type");
        assertThat(TestDevices.active(admin, victim)).as("the device's token with the same jti").isTrue();
    }
}
