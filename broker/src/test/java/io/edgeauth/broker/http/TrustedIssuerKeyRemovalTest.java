package io.edgeauth.broker.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.OutsideTokens;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.TestDevices;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, hole 5: a token the verified-token cache remembers stops verifying as soon as its key leaves
 * the outside issuer's JWKS, and when the issuer withdraws all its keys: through introspection and MQTT
 * CONNECT (the JWKS file is re-read every {@code refreshInterval}, 10 s at least).
 */
class TrustedIssuerKeyRemovalTest {
    static final String ISSUER = "https://idp.test";

    @TempDir
    Path dataDir;

    @Test
    void cachedTokensStopWhenTheirKeyOrIssuerGoes() throws Exception {
        ECKey k1 = new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
        ECKey k2 = new ECKeyGenerator(Curve.P_256).keyID("k2").generate();
        Path jwks = dataDir.resolve("idp-jwks.json");
        Files.writeString(jwks, new JWKSet(List.of(k1.toPublicJWK(), k2.toPublicJWK())).toString());
        String issuers = "[{\"issuer\":\"" + ISSUER + "\",\"jwksFile\":\"" + jwks
                + "\",\"refreshInterval\":\"10s\",\"tenant\":\"default\",\"algorithms\":[\"ES256\"]}]";
        try (Broker broker = Broker.start(TestBrokers.config(dataDir, Map.of("EDGEAUTH_TRUSTED_ISSUERS", issuers)))) {
            String base = "http://localhost:" + broker.httpPort();
            Http admin = new Http(base, broker.newAdminCredential().orElseThrow());
            TestDevices.register(admin, "ext-1");
            String t1 = sign(k1, "ext-1");
            String t2 = sign(k2, "ext-1");
            assertThat(active(admin, t1)).isTrue();
            assertThat(active(admin, t2)).isTrue();
            connect(broker, t1); // a hit of the cache from now on

            Files.writeString(jwks, new JWKSet(k2.toPublicJWK()).toString()); // the issuer drops k1
            await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500)).until(() -> !active(admin, t1));
            assertThatThrownBy(() -> connect(broker, t1)).as("k1's token no longer connects");
            assertThat(active(admin, t2)).isTrue();
            connect(broker, t2);

            Files.writeString(jwks, "{\"keys\":[]}"); // the issuer withdraws every key
            await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500)).until(() -> !active(admin, t2));
            assertThatThrownBy(() -> connect(broker, t2));
        }
    }

    static String sign(ECKey key, String subject) throws Exception {
        return OutsideTokens.sign(key, ISSUER, subject);
    }

    static boolean active(Http admin, String token) {
        return TestDevices.active(admin, token);
    }

    static void connect(Broker broker, String token) {
        TestDevices.connectMqtt(broker.mqttPort(), "ext-1", token);
    }
}
