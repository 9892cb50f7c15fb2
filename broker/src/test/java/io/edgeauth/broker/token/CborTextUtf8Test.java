package io.edgeauth.broker.token;

import static io.edgeauth.broker.token.CoseVectorsTest.assertReason;
import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.refusal.RejectionReason;
import org.junit.jupiter.api.Test;

/**
 * A CBOR text string that is not well-formed UTF-8 (RFC 8949 §5.3.1: invalid) is refused {@code malformed} in every
 * token structure: the CBOR library decoded it, so a signed claim could read one way here and another way (or not at
 * all) in another reader of the same bytes (tour J, J5). A JWT header or payload that is not UTF-8 likewise: it used to
 * be read with U+FFFD in place of the bad bytes.
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

    /** The JWT side of the same rule: a header or payload that is not UTF-8 is refused, with or without nested objects. */
    @Test
    void aJwtHeaderOrPayloadThatIsNotUtf8IsRefused() throws Exception {
        byte[] claims = "{\"iss\":\"https://idp.test/\u00ff\",\"sub\":\"d1\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int at = indexOf(claims, (byte) 0xc3);
        byte[] bad = claims.clone();
        bad[at] = (byte) 0xff; // a byte UTF-8 never uses
        String header = TestSupport.b64u("{\"alg\":\"ES256\",\"kid\":\"k1\"}");
        assertThat(JwtDecoder.decode((header + "." + TestSupport.b64u(claims) + ".AAAA").getBytes(), true).claims().issuer())
                .isEqualTo("https://idp.test/\u00ff");
        assertReason(() -> JwtDecoder.decode((header + "." + TestSupport.b64u(bad) + ".AAAA").getBytes(), true),
                RejectionReason.MALFORMED);
        byte[] badHeader = "{\"alg\":\"ES256\",\"kid\":\"k\u00ff\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        badHeader[indexOf(badHeader, (byte) 0xc3)] = (byte) 0xc0; // an overlong lead byte
        assertReason(() -> JwtDecoder.decode((TestSupport.b64u(badHeader) + "." + TestSupport.b64u(claims) + ".AAAA")
                .getBytes(), true), RejectionReason.MALFORMED);
    }

    private static int indexOf(byte[] b, byte v) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == v) {
                return i;
            }
        }
        throw new AssertionError("not found");
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
