package io.edgeauth.broker.keys;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyOperation;
import io.edgeauth.broker.crypto.TokenAlgorithm;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.testsupport.MutableClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A trusted issuer's JWKS key whose {@code key_ops} leaves out {@code verify} (an ECDH or encryption key published
 * without {@code use}) verifies no token: only {@code use} was read, so such a key was taken for signatures (tour J, J6).
 */
class TrustedIssuerKeyOpsTest {
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T10:00:00Z"));

    private static JWK withOps(String kid, Set<KeyOperation> ops) throws Exception {
        ECKey k = (ECKey) JwkKeys.generate(TokenAlgorithm.ES256).toPublicJWK();
        return new ECKey.Builder(k).keyID(kid).keyUse(null).keyOperations(ops).build();
    }

    @Test
    void aKeyWhoseKeyOpsLeaveOutVerifyIsNotASigningKey() throws Exception {
        Path file = dir.resolve("jwks.json");
        Files.writeString(file, new JWKSet(List.of(withOps("derive", Set.of(KeyOperation.DERIVE_KEY)),
                withOps("encrypt", Set.of(KeyOperation.ENCRYPT, KeyOperation.WRAP_KEY)),
                withOps("verify", Set.of(KeyOperation.VERIFY)), withOps("plain", null))).toString(false));
        TrustedIssuerSettings s = new TrustedIssuerSettings("https://idp.example", file, null, null, null,
                Set.of(TokenAlgorithm.ES256), Set.of("edge"), "partner");
        try (TrustedIssuers ti = new TrustedIssuers(List.of(s), uri -> { throw new IOException("no fetch"); }, clock)) {
            ti.start(null);
            assertThat(ti.resolve("https://idp.example", "derive").miss()).isEqualTo(RejectionReason.UNKNOWN_KEY);
            assertThat(ti.resolve("https://idp.example", "encrypt").miss()).isEqualTo(RejectionReason.UNKNOWN_KEY);
            assertThat(ti.resolve("https://idp.example", "verify").isFound()).isTrue();
            assertThat(ti.resolve("https://idp.example", "plain").isFound()).isTrue();
        }
    }
}
