package io.edgeauth.broker.mqtt.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The hand-written UTF-8 check against the JDK's reporting decoder, on bytes chosen to hit every boundary. */
class Utf8StringsTest {
    private static final int[] INTERESTING = {0x00, 0x24, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2,
        0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xfe, 0xff};

    private static boolean jdkSays(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    @Test
    void agreesWithTheJdksStrictDecoder() {
        SplittableRandom random = new SplittableRandom(42);
        for (int n = 0; n < 300_000; n++) {
            byte[] bytes = new byte[random.nextInt(7)];
            for (int k = 0; k < bytes.length; k++) {
                bytes[k] = (byte) (random.nextInt(4) == 0 ? random.nextInt(256)
                        : INTERESTING[random.nextInt(INTERESTING.length)]);
            }
            boolean jdk = jdkSays(bytes);
            boolean hasNul = false;
            for (byte x : bytes) {
                hasNul |= x == 0;
            }
            assertThat(Utf8Strings.wellFormed(Unpooled.wrappedBuffer(bytes), 0, bytes.length, true))
                    .as(Arrays.toString(bytes)).isEqualTo(jdk);
            assertThat(Utf8Strings.wellFormed(Unpooled.wrappedBuffer(bytes), 0, bytes.length, false))
                    .as("without U+0000: %s", Arrays.toString(bytes)).isEqualTo(jdk && !hasNul);
        }
    }

    @Test
    void readsOnlyItsRange() {
        byte[] bytes = {(byte) 0xff, 'a', (byte) 0xe2, (byte) 0x82, (byte) 0xac, (byte) 0xff};
        assertThat(Utf8Strings.wellFormed(Unpooled.wrappedBuffer(bytes), 1, 5, false)).isTrue();
        assertThat(Utf8Strings.wellFormed(Unpooled.wrappedBuffer(bytes), 1, 4, false)).as("a character cut short").isFalse();
    }
}
