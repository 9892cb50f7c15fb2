package io.edgeauth.broker.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.upokecenter.cbor.CBORObject;
import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import org.junit.jupiter.api.Order;

/**
 * Fuzzes the strict CBOR gate: the pre-scan never throws and never lets through what the library then
 * fails on in an unexpected way; whatever passes decodes to exactly one item that survives its own
 * re-encoding unchanged. Seeds: the
 * COSE and CWT vectors.
 */
@Order(Integer.MAX_VALUE - 1) // after the plain tests: the Jazzer agent instruments what loads after it
class CborFuzzTest {
    @FuzzTest(maxDuration = "10s")
    void scan(byte[] input) {
        String problem = CborStrict.scan(input, CborStrict.MAX_DEPTH);
        CBORObject item;
        try {
            item = CborStrict.decode(input, "fuzz");
        } catch (TokenRejectedException e) {
            assertThat(e.reason()).isEqualTo(RejectionReason.MALFORMED);
            return;
        }
        assertThat(problem).as("decoded although the scan refused").isNull();
        assertThat(item).isNotNull();
        // a float may re-encode wider than it came, so compare items, not lengths
        assertThat(CBORObject.DecodeFromBytes(item.EncodeToBytes())).isEqualTo(item);
    }
}
