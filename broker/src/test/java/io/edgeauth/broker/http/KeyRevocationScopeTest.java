package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.MutableClock;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.TestDevices;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tour X, X6 and X2: an operator's {@code kid} revocation names one issuer's key ({@code iss}, the broker's own tenant
 * issuer when omitted), and one of a trusted outside issuer's keys holds until lifted: it lapsed after
 * {@code tokens.maxLifetime} + leeway, and the still-published key authenticated again; and it refused every issuer's
 * tokens under that kid.
 */
class KeyRevocationScopeTest {
    static final String ISSUER = "https://idp.keyscope.test";

    @TempDir
    Path dataDir;

    private final MutableClock wall = new MutableClock(Instant.now());

    @Test
    void anOutsideIssuersKeyRevokedByKidStaysRevokedUntilAnOperatorLiftsIt() throws Exception {
        ECKey k1 = new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
        try (Broker broker = start(k1)) {
            Http admin = admin(broker);
            TestDevices.register(admin, "ks-1");
            assertThat(TestDevices.active(admin, sign(k1, "ks-1"))).isTrue();

            var revoked = admin.postJson("/admin/revocations", "{\"kid\":\"k1\",\"iss\":\"" + ISSUER
                    + "\",\"reason\":\"leaked\"}");
            assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(201);
            JsonObject r = new JsonObject(revoked.body());
            assertThat(r.getBoolean("untilLifted")).isTrue();
            assertThat(r.getString("iss")).isEqualTo(ISSUER);
            assertThat(r.getString("kid")).isEqualTo("k1");
            assertThat(TestDevices.active(admin, sign(k1, "ks-1"))).isFalse();

            wall.advance(Duration.ofMinutes(25)); // past tokens.maxLifetime (10 min) + leeway: it lapsed there
            assertThat(TestDevices.active(admin, sign(k1, "ks-1"))).as("a fresh token of the still-published key")
                    .isFalse();
            assertThat(admin.get("/admin/revocations/kid/k1?iss=" + enc(ISSUER)).statusCode()).isEqualTo(200);

            assertThat(admin.delete("/admin/revocations/kid/k1?iss=" + enc(ISSUER)).statusCode()).isEqualTo(204);
            assertThat(TestDevices.active(admin, sign(k1, "ks-1"))).as("the key's tokens stay refused a token"
                    + " lifetime after the lift").isFalse();
            wall.advance(Duration.ofMinutes(11));
            assertThat(TestDevices.active(admin, sign(k1, "ks-1"))).isTrue();
            assertThat(admin.delete("/admin/revocations/kid/k1?iss=" + enc(ISSUER)).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void aKidRevocationRefusesOnlyTheNamedIssuersTokens() throws Exception {
        ECKey idpKey = new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
        try (Broker broker = start(idpKey)) {
            Http admin = admin(broker);
            String base = "http://localhost:" + broker.httpPort();
            var device = TestDevices.register(admin, "ks-2");
            String own = TestDevices.token(new Http(base, null), base, device);
            String ownKid = SignedJWT.parse(own).getHeader().getKeyID();
            // the outside issuer publishes a key under the broker's (public) kid
            ECKey copied = new ECKeyGenerator(Curve.P_256).keyID(ownKid).generate();
            Files.writeString(dataDir.resolve("idp-jwks.json"),
                    new JWKSet(List.of(idpKey.toPublicJWK(), copied.toPublicJWK())).toString());
            String outside = sign(copied, "ks-2");
            wall.advance(Duration.ofSeconds(11)); // the JWKS file is read again
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> TestDevices.active(admin, sign(copied, "ks-2")));

            var ownRevoked = admin.postJson("/admin/revocations", "{\"kid\":\"" + ownKid + "\"}");
            assertThat(ownRevoked.statusCode()).as(ownRevoked.body()).isEqualTo(201);
            assertThat(new JsonObject(ownRevoked.body()).getString("keepUntil")).as("the broker's own key: rotate")
                    .isNotBlank();
            assertThat(TestDevices.active(admin, own)).isFalse();
            assertThat(TestDevices.active(admin, outside)).as("the outside issuer's key under the same kid").isTrue();

            assertThat(admin.postJson("/admin/revocations", "{\"kid\":\"k1\",\"iss\":\"" + ISSUER + "\"}")
                    .statusCode()).isEqualTo(201);
            assertThat(TestDevices.active(admin, sign(idpKey, "ks-2"))).isFalse();
            assertThat(TestDevices.active(admin, outside)).isTrue();

            var unnamed = admin.postJson("/admin/revocations", "{\"kid\":\"no-such-kid\"}");
            assertThat(unnamed.statusCode()).isEqualTo(400);
            assertThat(unnamed.body()).contains("iss");
            var stranger = admin.postJson("/admin/revocations", "{\"kid\":\"k1\",\"iss\":\"https://nobody.test\"}");
            assertThat(stranger.statusCode()).isEqualTo(400);
            assertThat(admin.postJson("/admin/revocations", "{\"sub\":\"ks-2\",\"iss\":\"" + ISSUER + "\"}")
                    .statusCode()).as("iss only with kid").isEqualTo(400);
        }
    }

    private Broker start(ECKey key) throws Exception {
        Path jwks = dataDir.resolve("idp-jwks.json");
        Files.writeString(jwks, new JWKSet(key.toPublicJWK()).toString());
        String issuers = "[{\"issuer\":\"" + ISSUER + "\",\"jwksFile\":\"" + jwks
                + "\",\"refreshInterval\":\"10s\",\"tenant\":\"default\",\"algorithms\":[\"ES256\"]}]";
        return Broker.start(TestBrokers.config(dataDir, Map.of("EDGEAUTH_TRUSTED_ISSUERS", issuers)), wall);
    }

    private static Http admin(Broker broker) {
        return new Http("http://localhost:" + broker.httpPort(), broker.newAdminCredential().orElseThrow());
    }

    private String sign(ECKey key, String subject) throws Exception {
        Instant now = wall.instant();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).build(),
                new JWTClaimsSet.Builder().issuer(ISSUER).subject(subject).audience("edgeauth")
                        .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(300)))
                        .jwtID(UUID.randomUUID().toString()).build());
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
