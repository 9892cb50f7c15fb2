package io.edgeauth.broker.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import io.edgeauth.broker.store.ChecksummedFile;
import io.edgeauth.broker.store.SealedChunks;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifiedTokenFileTest {
    private static final SecretKey KEY = new SecretKeySpec(new byte[32], "AES");

    @TempDir
    Path dir;

    /** {@code body} sealed as the broker seals the file: what only a holder of {@code key} can write. */
    private static byte[] sealed(SecretKey key, byte[] body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream s = SealedChunks.sealing(out, key)) {
            s.write(body);
        }
        return out.toByteArray();
    }

    private static byte[] digest(int seed) {
        byte[] d = new byte[32];
        Arrays.fill(d, (byte) seed);
        return d;
    }

    private static List<VerifiedTokenFile.Line> lines(int n) {
        List<VerifiedTokenFile.Line> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new VerifiedTokenFile.Line(digest(i), "https://b/t" + (i % 3), "kid-" + (i % 2), digest(100 + i % 3),
                    1_000 + i));
        }
        return out;
    }

    @Test
    void roundTripKeepsEveryFieldAndDropsWhatExpired() throws IOException {
        Path file = dir.resolve("v.bin");
        VerifiedTokenFile.write(file, KEY, lines(10));
        List<VerifiedTokenFile.Line> back = VerifiedTokenFile.read(file, KEY, 100, 1_004);
        assertThat(back).hasSize(5); // 1_005 .. 1_009 expire after 1_004
        VerifiedTokenFile.Line first = back.get(0);
        assertThat(first.tokenDigest()).isEqualTo(digest(5));
        assertThat(first.issuer()).isEqualTo("https://b/t2");
        assertThat(first.kid()).isEqualTo("kid-1");
        assertThat(first.keyDigest()).isEqualTo(digest(102));
        assertThat(first.expiresAtEpochSecond()).isEqualTo(1_005);
        assertThat(VerifiedTokenFile.read(file, KEY, 3, 0)).hasSize(3); // never more than the cache holds
        assertThat(Files.exists(dir.resolve("v.bin.tmp"))).isFalse();
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
    }

    @Test
    void aFailedWriteLeavesNoTemporaryFileBehind() throws IOException {
        Path taken = dir.resolve("v.bin");
        Files.createDirectories(taken.resolve("inside")); // a non-empty directory where the file should go
        assertThatThrownBy(() -> VerifiedTokenFile.write(taken, KEY, lines(3))).isInstanceOf(IOException.class);
        assertThat(Files.exists(dir.resolve("v.bin.tmp"))).isFalse();
        assertThat(Files.isDirectory(taken.resolve("inside"))).isTrue();
    }

    @Test
    void anEmptyCacheIsAFileToo() throws IOException {
        Path file = dir.resolve("v.bin");
        VerifiedTokenFile.write(file, KEY, List.of());
        assertThat(VerifiedTokenFile.read(file, KEY, 100, 0)).isEmpty();
    }

    @Test
    void aTruncatedDamagedOrForeignFileIsRefusedWhole() throws IOException {
        Path file = dir.resolve("v.bin");
        VerifiedTokenFile.write(file, KEY, lines(10));
        byte[] good = Files.readAllBytes(file);
        for (int cut : new int[] {0, 3, 8, 20, good.length / 2, good.length - 1}) {
            Files.write(file, Arrays.copyOf(good, cut));
            assertThatThrownBy(() -> VerifiedTokenFile.read(file, KEY, 100, 0)).as("cut at %d", cut)
                    .isInstanceOf(IOException.class);
        }
        for (int at : new int[] {9, 40, good.length / 2, good.length - 3}) {
            byte[] bad = good.clone();
            bad[at] ^= 0x01;
            Files.write(file, bad);
            assertThatThrownBy(() -> VerifiedTokenFile.read(file, KEY, 100, 0)).as("bit flipped at %d", at)
                    .isInstanceOf(IOException.class);
        }
        byte[] longer = Arrays.copyOf(good, good.length + 1);
        Files.write(file, longer);
        assertThatThrownBy(() -> VerifiedTokenFile.read(file, KEY, 100, 0)).isInstanceOf(IOException.class);
        Files.writeString(file, "{\"not\":\"ours\"}");
        assertThatThrownBy(() -> VerifiedTokenFile.read(file, KEY, 100, 0)).hasMessageContaining("not a verification cache");
    }

    @Test
    void hostileCountsAndIndexesAreRefusedWithoutAllocatingForThem() throws IOException {
        Path file = dir.resolve("v.bin");
        ByteBuffer b = ByteBuffer.allocate(64);
        b.putInt(0x45415654).putInt(2).putInt(Integer.MAX_VALUE);
        Files.write(file, sealed(KEY, Arrays.copyOf(b.array(), b.position())));
        assertThatThrownBy(() -> VerifiedTokenFile.read(file, KEY, 100, 0)).hasMessageContaining("claims");

        b.clear();
        b.putInt(0x45415654).putInt(3);
        Files.write(file, sealed(KEY, Arrays.copyOf(b.array(), b.position())));
        assertThatThrownBy(() -> VerifiedTokenFile.read(file, KEY, 100, 0)).hasMessageContaining("version 3");

        // an entry that names a key the table does not have
        b = ByteBuffer.allocate(128);
        b.putInt(0x45415654).putInt(2).putInt(0).putInt(1).put(new byte[32]).putInt(0).putLong(5_000);
        Files.write(file, sealed(KEY, Arrays.copyOf(b.array(), b.position())));
        assertThatThrownBy(() -> VerifiedTokenFile.read(file, KEY, 100, 0)).hasMessageContaining("names key 0 of 0");

        // a count of a billion entries and nothing behind it: the end of the file, not an allocation
        b.clear();
        b.putInt(0x45415654).putInt(2).putInt(0).putInt(1_000_000_000);
        Files.write(file, sealed(KEY, Arrays.copyOf(b.array(), b.position())));
        assertThatThrownBy(() -> VerifiedTokenFile.read(file, KEY, 100, 0)).isInstanceOf(IOException.class);
    }

    /**
     * Tour AA, AA1: every field of a line is public (kids, public keys, a token's digest), so a file anyone can
     * compute must restore nothing: a version 1 file (a CRC-32 only) with a line for a forged token, and a file
     * sealed under another key.
     */
    @Test
    void aFileWrittenWithoutTheKeyRestoresNothing() throws IOException {
        Path file = dir.resolve("v.bin");
        ChecksummedFile.write(file, out -> { // version 1, as an editor of the data directory writes it
            out.writeInt(0x45415654);
            out.writeInt(1);
            out.writeInt(1);
            out.writeUTF("https://b/t0");
            out.writeUTF("kid-0");
            out.write(digest(100));
            out.writeInt(1);
            out.write(digest(7));
            out.writeInt(0);
            out.writeLong(5_000);
        });
        assertThatThrownBy(() -> VerifiedTokenFile.read(file, KEY, 100, 0)).isInstanceOf(IOException.class)
                .hasMessageContaining("version 1");

        VerifiedTokenFile.write(file, new SecretKeySpec(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32}, "AES"), lines(3));
        assertThatThrownBy(() -> VerifiedTokenFile.read(file, KEY, 100, 0)).isInstanceOf(IOException.class);
    }
}
