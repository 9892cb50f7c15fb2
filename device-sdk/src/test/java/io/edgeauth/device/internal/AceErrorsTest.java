package io.edgeauth.device.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The ACE error map as the broker's CoapCodes writes it, and what is not one. */
class AceErrorsTest {
    private static byte[] text(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(b.length < 24 ? 0x60 | b.length : 0x78);
        if (b.length >= 24) {
            out.write(b.length);
        }
        out.writeBytes(b);
        return out.toByteArray();
    }

    private static byte[] map(byte[]... entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0xa0 | entries.length / 2);
        for (byte[] e : entries) {
            out.writeBytes(e);
        }
        return out.toByteArray();
    }

    @Test
    void readsAbbreviatedAndTextErrors() {
        assertThat(AceErrors.decode(map(new byte[] {0x18, 30}, new byte[] {0x04}, new byte[] {0x18, 31},
                text("revoked: token revoked")))).isEqualTo(new AceErrors.AceError("unauthorized_client",
                "revoked: token revoked"));
        // RFC 8707's invalid_target has no abbreviation: the broker sends it as text
        assertThat(AceErrors.decode(map(new byte[] {0x18, 30}, text("invalid_target")))).isEqualTo(
                new AceErrors.AceError("invalid_target", null));
        assertThat(AceErrors.decode(map(new byte[] {0x18, 30}, new byte[] {0x18, 99})).error()).isEqualTo("error 99");
    }

    @Test
    void anythingElseIsNoAceError() {
        assertThat(AceErrors.decode(null)).isNull();
        assertThat(AceErrors.decode(new byte[0])).isNull();
        assertThat(AceErrors.decode("slow down".getBytes(StandardCharsets.US_ASCII))).isNull();
        assertThat(AceErrors.decode(new byte[] {(byte) 0xa1, 0x18, 30})).as("truncated").isNull();
        assertThat(AceErrors.decode(new byte[] {(byte) 0xa1, 0x18, 31, 0x78, 50, 'a'})).as("text past the end").isNull();
        assertThat(AceErrors.decode(new byte[] {(byte) 0xa1, 0x18, 30, 0x01, 0x00})).as("trailing bytes").isNull();
        assertThat(AceErrors.decode(new byte[] {(byte) 0xa0})).as("empty map").isNull();
    }
}
