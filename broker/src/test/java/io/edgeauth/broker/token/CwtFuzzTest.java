package io.edgeauth.broker.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.edgeauth.broker.refusal.TokenRejectedException;
import org.junit.jupiter.api.Order;

/**
 * Fuzzes CWT decoding (COSE envelope, then the claims map) below the verifier's catch-all: refusals
 * are typed, and decoded claims go through the claims check without an exception. Seeds: the COSE
 * and CWT vectors.
 */
@Order(Integer.MAX_VALUE - 1) // after the plain tests: the Jazzer agent instruments what loads after it
class CwtFuzzTest {
    @FuzzTest(maxDuration = "10s")
    void decode(byte[] input) {
        DecodedToken d;
        try {
            d = CwtDecoder.decode(input);
        } catch (TokenRejectedException e) {
            assertThat(e.reason()).isNotNull();
            return;
        }
        assertThat(d.kid()).isNotNull();
        assertThat(d.signedLength()).isEqualTo(d.signed().length);
        FuzzFixtures.validate(d);
    }
}
