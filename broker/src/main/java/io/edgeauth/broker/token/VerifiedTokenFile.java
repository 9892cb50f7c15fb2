package io.edgeauth.broker.token;

import io.edgeauth.broker.store.ChecksummedFile;
import io.edgeauth.broker.store.SealedChunks;
import io.edgeauth.broker.store.StateFiles;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.SecretKey;

/**
 * The verification cache's file, kept across a clean restart: for each token that verified, the SHA-256 of its
 * bytes, the (iss, kid) of the key it verified with, a digest of that key's encoding, and its expiry. No token and
 * no key is kept. A magic number and version, a table of the keys and the entries, sealed ({@link SealedChunks}:
 * AES-256-GCM) under a {@link io.edgeauth.broker.store.StateFileKey}: a restored line skips the signature check,
 * and every field of a line is public (tour AA, AA1: version 1 had only a CRC-32, so one line appended by whoever
 * could write the data directory made a token with a forged signature valid after a restart). A truncated, damaged
 * or forged file is refused whole rather than read in part; a version 1 file is refused too (read once, not
 * trusted: the cache fills again from full verifications).
 */
final class VerifiedTokenFile {
    private static final int MAGIC = 0x45415654; // "EAVT"
    private static final int VERSION = 2;
    private static final int CRC_ONLY_VERSION = 1;
    static final int DIGEST_BYTES = 32;
    private static final int MAX_KEYS = 100_000;

    /** One remembered verification. */
    record Line(byte[] tokenDigest, String issuer, String kid, byte[] keyDigest, long expiresAtEpochSecond) {
    }

    private VerifiedTokenFile() {
    }

    /**
     * Writes {@code lines} to {@code file} through a temporary file and an atomic rename; on failure (a full disk) the
     * temporary file is removed and {@code file} is left as it was.
     */
    static void write(Path file, SecretKey key, List<Line> lines) throws IOException {
        StateFiles.write(file, raw -> {
            DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(SealedChunks.sealing(raw, key),
                    1 << 16));
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            Map<String, Integer> keyIndex = new HashMap<>();
            List<Line> keys = new ArrayList<>();
            int[] indexOf = new int[lines.size()];
            for (int i = 0; i < lines.size(); i++) {
                Line l = lines.get(i);
                String id = l.issuer() + '\n' + l.kid() + '\n' + java.util.HexFormat.of().formatHex(l.keyDigest());
                indexOf[i] = keyIndex.computeIfAbsent(id, k -> {
                    keys.add(l);
                    return keys.size() - 1;
                });
            }
            out.writeInt(keys.size());
            for (Line k : keys) {
                out.writeUTF(k.issuer());
                out.writeUTF(k.kid());
                out.write(k.keyDigest());
            }
            out.writeInt(lines.size());
            for (int i = 0; i < lines.size(); i++) {
                out.write(lines.get(i).tokenDigest());
                out.writeInt(indexOf[i]);
                out.writeLong(lines.get(i).expiresAtEpochSecond());
            }
            out.close(); // seals the last chunk
        });
    }

    /**
     * Reads at most {@code max} lines that expire after {@code nowEpochSecond}.
     *
     * @throws IOException the file is unreadable, of another format or version, truncated, damaged or not sealed
     *                     under {@code key} (forged, or written with another key)
     */
    static List<Line> read(Path file, SecretKey key, int max, long nowEpochSecond) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            raw.mark(Integer.BYTES);
            byte[] head = raw.readNBytes(Integer.BYTES);
            if (head.length == Integer.BYTES && java.nio.ByteBuffer.wrap(head).getInt() == MAGIC) {
                throw new IOException("verification cache file version " + CRC_ONLY_VERSION
                        + " (a checksum only, not sealed): not trusted, the cache fills again");
            }
            raw.reset();
            InputStream opened;
            try {
                opened = SealedChunks.opening(raw, key);
            } catch (IOException e) {
                throw new IOException("not a verification cache file (" + e.getMessage() + ")", e);
            }
            DataInputStream in = new DataInputStream(new BufferedInputStream(opened, 1 << 16));
            List<Line> lines = body(in, max, nowEpochSecond);
            if (in.read() != -1) { // also authenticates the last chunk
                throw new IOException("verification cache file: data after the entries");
            }
            return lines;
        } catch (EOFException e) {
            throw new IOException("verification cache file truncated", e);
        }
    }

    private static List<Line> body(DataInputStream in, int max, long nowEpochSecond) throws IOException {
        List<Line> lines = new ArrayList<>();
        if (in.readInt() != MAGIC) {
            throw new IOException("not a verification cache file");
        }
        int version = in.readInt();
        if (version != VERSION) {
            throw new IOException("verification cache file version " + version + ", expected " + VERSION);
        }
        int keyCount = ChecksummedFile.count(in.readInt(), MAX_KEYS, "keys");
        Line[] keys = new Line[keyCount];
        for (int i = 0; i < keyCount; i++) {
            keys[i] = new Line(null, in.readUTF(), in.readUTF(), in.readNBytes(DIGEST_BYTES), 0);
            if (keys[i].keyDigest().length != DIGEST_BYTES) {
                throw new EOFException("truncated key table");
            }
        }
        int entries = ChecksummedFile.count(in.readInt(), Integer.MAX_VALUE, "entries");
        for (int i = 0; i < entries; i++) {
            byte[] digest = new byte[DIGEST_BYTES];
            in.readFully(digest);
            int key = in.readInt();
            long expires = in.readLong();
            if (key < 0 || key >= keyCount) {
                throw new IOException("entry " + i + " names key " + key + " of " + keyCount);
            }
            if (expires > nowEpochSecond && lines.size() < max) {
                Line k = keys[key];
                lines.add(new Line(digest, k.issuer(), k.kid(), k.keyDigest(), expires));
            }
        }
        return lines;
    }
}
