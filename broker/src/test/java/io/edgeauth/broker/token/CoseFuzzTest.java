package io.edgeauth.broker.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import org.junit.jupiter.api.Order;

/**
 * Fuzzes COSE_Sign1/COSE_Mac0 decoding and the signature check built on it ({@code Signatures}):
 * refusals are typed, a decoded message yields its to-be-signed bytes, and checking it with a key of
 * either kind (EC public key, HMAC secret), matching its algorithm or not, answers true or false but
 * never throws; nothing random verifies. Seeds: the COSE and CWT vectors.
 */
@Order(Integer.MAX_VALUE - 1) // after the plain tests: the Jazzer agent instruments what loads after it
class CoseFuzzTest {
    private static final byte[] AAD = {1, 2, 3};

    @FuzzTest(maxDuration = "10s")
    void decode(byte[] input) {
        CoseMessage m;
        try {
            m = CoseMessage.decode(input);
        } catch (TokenRejectedException e) {
            assertThat(e.reason()).isIn(RejectionReason.MALFORMED, RejectionReason.UNSUPPORTED_ALGORITHM);
            return;
        }
        assertThat(m.algorithm()).isNotNull();
        assertThat(m.type() == CoseMessage.Type.MAC0).isEqualTo(m.algorithm().isMac());
        assertThat(m.toBeSigned(null)).isNotEmpty();
        assertThat(m.toBeSigned(AAD)).isNotEmpty();
        assertThat(m.verify(FuzzFixtures.SIGNATURES, FuzzFixtures.EC_KEY.key(), AAD)).isFalse();
        assertThat(m.verify(FuzzFixtures.SIGNATURES, FuzzFixtures.HS_KEY.key(), null)).isFalse();
    }
}
