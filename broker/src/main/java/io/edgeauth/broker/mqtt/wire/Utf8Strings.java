package io.edgeauth.broker.mqtt.wire;

import io.netty.buffer.ByteBuf;

/**
 * MQTT's UTF-8 Encoded Strings checked on the raw bytes (MQTT 5 §1.5.4, 3.1.1 §1.5.3): well-formed UTF-8 (RFC 3629
 * §4: no overlong forms, no encoded surrogates, nothing past U+10FFFF, no character cut short), else the packet is
 * malformed. Netty's decoder replaces ill-formed bytes by U+FFFD instead, so byte-distinct topics and filters became
 * one. Written by hand: a byte scan with an ASCII fast path costs nothing per message, where the JDK's reporting
 * {@code CharsetDecoder} allocates a decoder and a buffer per string. Stateless.
 */
final class Utf8Strings {
    private Utf8Strings() {
    }

    /**
     * The index after the UTF-8 string (two-byte length first) at {@code i} that must end by {@code end}.
     *
     * @param nul whether U+0000 may occur (topics and filters: the edge answers those with its own reason codes)
     * @throws WireViolation malformed: ill-formed UTF-8, a U+0000 where {@code nul} is false, or past {@code end}
     */
    static int skip(ByteBuf b, int i, int end, int version, boolean nul) {
        int after = PropertyRules.skipString(b, i, end, version);
        if (!wellFormed(b, i + 2, after, nul)) {
            throw WireViolation.malformed(nul ? "a string that is not well-formed UTF-8"
                    : "a string that is not well-formed UTF-8, or holds U+0000", version);
        }
        return after;
    }

    /** True if {@code from..to} is well-formed UTF-8 (and holds no U+0000 unless {@code nul}). */
    static boolean wellFormed(ByteBuf b, int from, int to, boolean nul) {
        int i = from;
        while (i < to) {
            int c = b.getUnsignedByte(i);
            if (c < 0x80) {
                if (c == 0 && !nul) {
                    return false;
                }
                i++;
                continue;
            }
            int n;
            int low = 0x80;
            int high = 0xbf; // the range of the second byte; the later ones are always 80..BF
            if (c >= 0xc2 && c <= 0xdf) {
                n = 1;
            } else if (c >= 0xe0 && c <= 0xef) {
                n = 2;
                low = c == 0xe0 ? 0xa0 : 0x80; // E0 80..9F: overlong
                high = c == 0xed ? 0x9f : 0xbf; // ED A0..BF: U+D800..U+DFFF, surrogates
            } else if (c >= 0xf0 && c <= 0xf4) {
                n = 3;
                low = c == 0xf0 ? 0x90 : 0x80; // F0 80..8F: overlong
                high = c == 0xf4 ? 0x8f : 0xbf; // F4 90..: past U+10FFFF
            } else {
                return false; // a continuation byte first, C0/C1 (overlong) or F5..FF
            }
            if (i + n >= to) {
                return false;
            }
            int second = b.getUnsignedByte(i + 1);
            if (second < low || second > high) {
                return false;
            }
            for (int k = 2; k <= n; k++) {
                if ((b.getUnsignedByte(i + k) & 0xc0) != 0x80) {
                    return false;
                }
            }
            i += n + 1;
        }
        return true;
    }
}
