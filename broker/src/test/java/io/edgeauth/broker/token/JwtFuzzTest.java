package io.edgeauth.broker.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.edgeauth.broker.refusal.TokenRejectedException;
import org.junit.jupiter.api.Order;

/**
 * Fuzzes the JWT decoder (header and claims JSON) below the verifier's catch-all, so any exception
 * other than a typed refusal is a finding. A decoded token's parts must lie inside the input, a second
 * decode (through the header cache) must agree with the first, and the claims check must refuse or
 * accept with a reason, never throw. Seeds: every compact JWS of the JOSE vectors.
 */
@Order(Integer.MAX_VALUE - 1) // after the plain tests: the Jazzer agent instruments what loads after it
class JwtFuzzTest {
    @FuzzTest(maxDuration = "10s")
    void decode(byte[] input) {
        DecodedToken d;
        try {
            d = JwtDecoder.decode(input, false);
        } catch (TokenRejectedException e) {
            assertThat(e.reason()).isNotNull();
            return;
        }
        assertThat(d.algorithm()).isNotNull();
        assertThat(d.signedLength()).isBetween(3, input.length - 2);
        assertThat(input[d.signedLength()]).isEqualTo((byte) '.');
        DecodedToken again;
        try {
            again = JwtDecoder.decode(input.clone(), false);
        } catch (TokenRejectedException e) {
            throw new AssertionError("second decode of the same bytes refused: " + e.reason(), e);
        }
        assertThat(again.algorithm()).isEqualTo(d.algorithm());
        assertThat(again.kid()).isEqualTo(d.kid());
        assertThat(again.claims()).isEqualTo(d.claims());
        FuzzFixtures.validate(d);
    }
}
