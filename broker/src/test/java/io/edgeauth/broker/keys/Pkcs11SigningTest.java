package io.edgeauth.broker.keys;

import io.edgeauth.broker.Pkcs11Pins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import io.edgeauth.broker.Broker;
import io.edgeauth.broker.config.BrokerConfig;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Security;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tenant's signing key in a PKCS#11 token (SoftHSM2 through SunPKCS11): generated in the token, never extractable,
 * never on disk; tokens signed with it verify against the JWKS; rotation creates the next key in the token; a restart
 * finds the keys again.
 */
class Pkcs11SigningTest {
    private static final String PIN = "4711-test";
    private static long slot;
    private static long neverLoggedIn; // PKCS#11 login is per process and token: a wrong PIN shows only on a fresh one
    private static Path module;

    @TempDir
    Path dir;

    @BeforeAll
    static void token() throws Exception {
        module = SoftHsm.module();
        slot = SoftHsm.slot("edgeauth-pkcs11-test"); // made before any provider opens the module
        neverLoggedIn = SoftHsm.slot("edgeauth-pin-test");
    }

    private static Pkcs11Token open(String name) throws Exception {
        return Pkcs11Token.open(name, new Pkcs11Token.Settings(module, slot, null, PIN.toCharArray()));
    }

    @Test
    void keysAreGeneratedInTheTokenAndNeverLeaveIt() throws Exception {
        Pkcs11Token token = open("unit");
        JWK jwk = token.generate(TokenAlgorithm.ES256);
        assertThat(jwk.isPrivate()).isFalse();
        assertThat(jwk.getKeyID()).isEqualTo(JwkKeys.thumbprint(jwk));
        PrivateKey handle = token.privateKey(jwk.getKeyID(), JwkKeys.publicKey(jwk));
        assertThat(handle.getEncoded()).as("a sensitive, non-extractable handle").isNull();
        SigningKey key = new SigningKey("t", "iss", jwk.getKeyID(), TokenAlgorithm.ES256, handle, JwkKeys.publicKey(jwk),
                token);
        byte[] data = "header.payload".getBytes(StandardCharsets.US_ASCII);
        Signatures jdk = new Signatures(CryptoProviders.jdk());
        byte[] sig = key.sign(jdk, data);
        assertThat(sig).hasSize(64);
        assertThat(jdk.verify(TokenAlgorithm.ES256, JwkKeys.publicKey(jwk), data, data.length, sig)).isTrue();
        assertThat(Security.getProviders()).as("the token's provider is not installed globally")
                .noneMatch(p -> p.getName().contains("edgeauth"));

        JWK other = token.generate(TokenAlgorithm.ES256);
        assertThatThrownBy(() -> token.privateKey(jwk.getKeyID(), JwkKeys.publicKey(other)))
                .hasMessageContaining("is not the key of that kid");
        token.delete(jwk.getKeyID());
        assertThatThrownBy(() -> token.privateKey(jwk.getKeyID(), JwkKeys.publicKey(jwk)))
                .hasMessageContaining("holds no private key");
        assertThatThrownBy(() -> token.generate(TokenAlgorithm.EDDSA)).hasMessageContaining("ES256 or RS256");
    }

    @Test
    void aWrongPinIsRefusedWithoutShowingIt() {
        assertThatThrownBy(() -> Pkcs11Token.open("bad", new Pkcs11Token.Settings(module, neverLoggedIn, null,
                "not-the-pin".toCharArray()))).hasMessageContaining("PKCS#11 token").hasMessageNotContaining("not-the-pin");
    }

    @Test
    void thePinComesFromTheNamedVariableOrFile() throws Exception {
        BrokerConfig.Hsm viaEnv = new BrokerConfig.Hsm(module, slot, null, "HSM_PIN", null);
        assertThat(new String(Pkcs11Pins.settings("t", viaEnv, Map.of("HSM_PIN", PIN)).pin())).isEqualTo(PIN);
        assertThatThrownBy(() -> Pkcs11Pins.settings("t", viaEnv, Map.of()))
                .hasMessageContaining("tenants[t].hsm.pinEnv").hasMessageContaining("HSM_PIN is not set");
        Path file = Files.writeString(dir.resolve("pin"), PIN + "\n");
        assertThat(new String(Pkcs11Pins.settings("t", new BrokerConfig.Hsm(module, slot, null, null, file), Map.of()).pin()))
                .isEqualTo(PIN);
    }

    @Test
    void theBrokerSignsInTheTokenRotatesThereAndFindsItsKeysAfterARestart() throws Exception {
        Path pinFile = Files.writeString(dir.resolve("pin"), PIN);
        Files.setPosixFilePermissions(pinFile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")); // the broker refuses a PIN file others can read
        Map<String, String> env = Map.of("EDGEAUTH_TENANTS", new JsonArray().add(new JsonObject().put("id", "default")
                .put("hsm", new JsonObject().put("library", module.toString()).put("slot", slot)
                        .put("pinFile", pinFile.toString()))).encode());
        Path data = dir.resolve("data");
        String firstKid;
        String secondKid;
        try (Broker broker = Broker.start(TestBrokers.config(data, env))) {
            String base = "http://localhost:" + broker.httpPort();
            Http admin = new Http(base, broker.newAdminCredential().orElseThrow());
            DeviceIdentity pump = TestDevices.register(admin, "pump-hsm");
            firstKid = verifiedKid(base, TestDevices.token(admin, base, pump));
            Path keyFile = data.resolve("keys/default/" + firstKid + ".jwk.json");
            assertThat(new JsonObject(Files.readString(keyFile)).containsKey("d")).as("no private key on disk").isFalse();

            JsonObject rotated = new JsonObject(admin.postJson("/admin/keys/rotate", "{\"tenant\":\"default\"}").body());
            secondKid = rotated.getString("kid");
            assertThat(secondKid).isNotEqualTo(firstKid);
            assertThat(verifiedKid(base, TestDevices.token(admin, base, pump))).isEqualTo(secondKid);
            assertThat(JWKSet.parse(admin.get("/.well-known/jwks.json").body()).getKeyByKeyId(firstKid))
                    .as("the retired key keeps verifying").isNotNull();
        }
        String credential = io.edgeauth.broker.admin.AdminCredential.reset(data);
        try (Broker broker = Broker.start(TestBrokers.config(data, env))) {
            String base = "http://localhost:" + broker.httpPort();
            Http admin = new Http(base, credential);
            DeviceIdentity pump = TestDevices.register(admin, "pump-hsm-2");
            assertThat(verifiedKid(base, TestDevices.token(admin, base, pump))).isEqualTo(secondKid);
        }
    }

    /** The token's kid, after checking its signature with the key the broker's JWKS publishes for it. */
    private static String verifiedKid(String base, String token) throws Exception {
        SignedJWT jwt = SignedJWT.parse(token);
        JWK key = JWKSet.parse(new Http(base, null).get("/.well-known/jwks.json").body())
                .getKeyByKeyId(jwt.getHeader().getKeyID());
        assertThat(key).isNotNull();
        assertThat(jwt.verify(new ECDSAVerifier(key.toECKey()))).isTrue();
        return jwt.getHeader().getKeyID();
    }
}
