package io.edgeauth.broker.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Random;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class SealedChunksTest {
    private static final SecretKey KEY = new SecretKeySpec(new byte[32], "AES");
    private static final SecretKey OTHER = new SecretKeySpec(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
            16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32}, "AES");

    private static byte[] seal(byte[] plain, SecretKey key) throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (OutputStream out = SealedChunks.sealing(sink, key)) {
            for (int off = 0; off < plain.length; off += 1000) { // many small writes across chunk boundaries
                out.write(plain, off, Math.min(1000, plain.length - off));
            }
        }
        return sink.toByteArray();
    }

    private static byte[] open(byte[] sealed, SecretKey key) throws IOException {
        try (InputStream in = SealedChunks.opening(new ByteArrayInputStream(sealed), key)) {
            return in.readAllBytes();
        }
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(7).nextBytes(b);
        return b;
    }

    @Test
    void whatIsSealedOpensAgainWhateverItsSize() throws IOException {
        for (int size : new int[] {0, 1, SealedChunks.CHUNK - 1, SealedChunks.CHUNK, 2 * SealedChunks.CHUNK + 17}) {
            byte[] plain = random(size);
            assertThat(open(seal(plain, KEY), KEY)).as("size %d", size).isEqualTo(plain);
        }
    }

    @Test
    void anAlteredCutReorderedOrForeignFileDoesNotOpen() throws IOException {
        byte[] plain = random(2 * SealedChunks.CHUNK + 17);
        byte[] sealed = seal(plain, KEY);
        assertThatThrownBy(() -> open(sealed, OTHER)).isInstanceOf(IOException.class);
        byte[] flipped = sealed.clone();
        flipped[SealedChunks.CHUNK + 100] ^= 1;
        assertThatThrownBy(() -> open(flipped, KEY)).isInstanceOf(IOException.class);
        int firstChunkEnd = 12 + 4 + SealedChunks.CHUNK + 16; // header, length, chunk, tag
        for (int cut : new int[] {0, 5, 12, firstChunkEnd, firstChunkEnd + 3, sealed.length - 1}) {
            assertThatThrownBy(() -> open(Arrays.copyOf(sealed, cut), KEY)).as("cut at %d", cut)
                    .isInstanceOf(IOException.class);
        }
        byte[] longer = Arrays.copyOf(sealed, sealed.length + 1);
        assertThatThrownBy(() -> open(longer, KEY)).isInstanceOf(IOException.class);
        // the second chunk where the first was: its nonce counter no longer matches
        int chunkLen = 4 + SealedChunks.CHUNK + 16;
        byte[] swapped = sealed.clone();
        System.arraycopy(sealed, 12 + chunkLen, swapped, 12, chunkLen);
        System.arraycopy(sealed, 12, swapped, 12 + chunkLen, chunkLen);
        assertThatThrownBy(() -> open(swapped, KEY)).isInstanceOf(IOException.class);
    }
}
