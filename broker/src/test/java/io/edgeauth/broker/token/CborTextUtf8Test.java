package io.edgeauth.broker.token;

import static io.edgeauth.broker.token.CoseVectorsTest.assertReason;
import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.refusal.RejectionReason;
import org.junit.jupiter.api.Test;

/**
 * A CBOR text string that is not well-formed UTF-8 (RFC 8949 §5.3.1: invalid) is refused {@code malformed} in every
 * token structure: the CBOR library decoded it, so a signed claim could read one way here and another way (or not at
 * all) in another reader of the same bytes (tour J, J5).
 */
class CborTextUtf8Test {
    private static byte[] b(int... v) {
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (byte) v[i];
        }
        return out;
    }

    @Test
    void aTextStringThatIsNotUtf8IsRefused() {
        for (byte[] bad : new byte[][] {
                b(0x62, 0xc3, 0x28), // a lead byte without its continuation
                b(0x62, 0xc0, 0xaf), // an overlong '/'
                b(0x63, 0xed, 0xa0, 0x80), // a UTF-16 surrogate
                b(0x64, 0xf4, 0x90, 0x80, 0x80), // above U+10FFFF
                b(0x61, 0x80), // a lone continuation byte
                b(0xa1, 0x01, 0x62, 0xc3, 0x28)}) { // inside a map, as a claim value
            assertReason(() -> CborStrict.decode(bad, "test"), RejectionReason.MALFORMED);
        }
    }

    @Test
    void utf8TextIsStillRead() throws Exception {
        assertThat(CborStrict.decode(b(0x62, 0xc3, 0xa9), "test").AsString()).isEqualTo("\u00e9");
        assertThat(CborStrict.decode(b(0x64, 0xf0, 0x9f, 0x98, 0x80), "test").AsString()).isEqualTo("\ud83d\ude00");
        assertThat(CborStrict.decode(b(0x63, 'a', 'b', 'c'), "test").AsString()).isEqualTo("abc");
        assertThat(CborStrict.decode(b(0x60), "test").AsString()).isEmpty();
        assertThat(CborStrict.decode(b(0x42, 0xc3, 0x28), "test").GetByteString()).hasSize(2); // bytes are not text
    }
}
