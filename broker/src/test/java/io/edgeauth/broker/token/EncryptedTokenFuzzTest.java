package io.edgeauth.broker.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.keys.TokenEncryptionKeys;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Order;

/**
 * Fuzzes the opening of encrypted tokens (issue 15): COSE_Encrypt0 and compact JWE parsing, the header
 * policy and decryption with the broker's keys. Every input ends in a typed refusal; nothing random
 * decrypts (an authenticated cipher). Seeds: the cose-wg COSE_Encrypt0 examples.
 */
@Order(Integer.MAX_VALUE - 1) // after the plain tests: the Jazzer agent instruments what loads after it
class EncryptedTokenFuzzTest {
    private static final TokenEncryption ENCRYPTION = new TokenEncryption(
            new TokenEncryptionKeys(List.of(TokenEncryptionKeys.generate("t1"))), Set.of(), CryptoProviders.jdk());
    private static final Set<RejectionReason> EXPECTED = Set.of(RejectionReason.MALFORMED,
            RejectionReason.UNSUPPORTED_ALGORITHM, RejectionReason.UNKNOWN_KEY, RejectionReason.MISSING_KID,
            RejectionReason.BAD_SIGNATURE);

    @FuzzTest(maxDuration = "10s")
    void open(byte[] input) {
        try {
            ENCRYPTION.openCose(input);
            throw new AssertionError("random bytes decrypted as COSE_Encrypt0");
        } catch (TokenRejectedException e) {
            assertThat(e.reason()).isIn(EXPECTED);
        }
        try {
            ENCRYPTION.openJwe(input);
            throw new AssertionError("random bytes decrypted as a JWE");
        } catch (TokenRejectedException e) {
            assertThat(e.reason()).isIn(EXPECTED);
        }
    }
}
