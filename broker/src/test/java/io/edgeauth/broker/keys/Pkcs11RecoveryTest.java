package io.edgeauth.broker.keys;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWK;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.crypto.Signatures;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.testsupport.Http;
import io.edgeauth.broker.testsupport.SoftHsm;
import io.edgeauth.broker.testsupport.TestBrokers;
import io.edgeauth.broker.testsupport.TestDevices;
import io.edgeauth.device.DeviceIdentity;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AuthProvider;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PKCS#11 token that loses its session or goes away while the broker runs (tour AA, AA13): stale handles are
 * found again after a log-in again; while the token cannot sign, token requests answer 503 with Retry-After and
 * readiness names the token. (SoftHSM2 keeps a token whose directory went away invalid until the process ends, so
 * the recovery is shown with a log-out, which leaves the same CKR_OBJECT_HANDLE_INVALID on the old handles.)
 */
class Pkcs11RecoveryTest {
    private static final String PIN = "4711-recovery";

    @TempDir
    Path dir;

    @Test
    void aStaleHandleIsFoundAgainAfterALogInAgain() throws Exception {
        Path module = SoftHsm.module();
        long slot = SoftHsm.slot("edgeauth-recovery-unit");
        Pkcs11Token token = Pkcs11Token.open("unit", new Pkcs11Token.Settings(module, slot, null, PIN.toCharArray()),
                PIN::toCharArray);
        JWK jwk = token.generate(TokenAlgorithm.ES256);
        SigningKey key = new SigningKey("t", "iss", jwk.getKeyID(), TokenAlgorithm.ES256,
                token.privateKey(jwk.getKeyID(), JwkKeys.publicKey(jwk)), JwkKeys.publicKey(jwk), token);
        Signatures jdk = new Signatures(CryptoProviders.jdk());
        byte[] data = "header.payload".getBytes(StandardCharsets.US_ASCII);
        assertThat(key.sign(jdk, data)).hasSize(64);

        ((AuthProvider) token.provider()).logout(); // the session's log-in is gone: every handle is stale
        byte[] sig = key.sign(jdk, data);
        assertThat(jdk.verify(TokenAlgorithm.ES256, JwkKeys.publicKey(jwk), data, data.length, sig)).isTrue();
        assertThat(token.unavailableReason()).isEmpty();
    }

    @Test
    void aTokenThatWentAwayAnswers503AndMakesTheBrokerNotReady() throws Exception {
        Path module = SoftHsm.module();
        long slot = SoftHsm.slot("edgeauth-recovery-away");
        Path pinFile = Files.writeString(dir.resolve("pin"), PIN);
        // owner-only, as a PIN file must be (main refuses one others can read since tour AA, AA8)
        Files.setPosixFilePermissions(pinFile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Map<String, String> env = Map.of("EDGEAUTH_TENANTS", new JsonArray().add(new JsonObject().put("id", "default")
                .put("hsm", new JsonObject().put("library", module.toString()).put("slot", slot)
                        .put("pinFile", pinFile.toString()))).encode());
        Path tokenDir = SoftHsm.tokenDirectory("edgeauth-recovery-away");
        Path away = tokenDir.resolveSibling(tokenDir.getFileName() + ".away");
        try (Broker broker = Broker.start(TestBrokers.config(dir.resolve("data"), env))) {
            String base = "http://localhost:" + broker.httpPort();
            Http admin = new Http(base, broker.newAdminCredential().orElseThrow());
            DeviceIdentity pump = TestDevices.register(admin, "pump-away");
            TestDevices.token(admin, base, pump);

            Files.move(tokenDir, away); // the HSM went away: its sessions and handles are dead
            try {
                HttpResponse<String> refused = TestDevices.clientCredentials(admin, base, pump, null);
                assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
                assertThat(new JsonObject(refused.body()).getString("error")).isEqualTo("temporarily_unavailable");
                assertThat(refused.headers().firstValue("retry-after")).isPresent();

                HttpResponse<String> ready = admin.get("/health/ready");
                assertThat(ready.statusCode()).isEqualTo(503);
                JsonObject degraded = new JsonObject(ready.body()).getJsonArray("degraded").getJsonObject(0);
                assertThat(degraded.getString("component")).isEqualTo("hsm");
                assertThat(degraded.getString("reason")).contains("PKCS#11 token default").contains("CKR_");
            } finally {
                Files.move(away, tokenDir);
            }
        }
    }
}
