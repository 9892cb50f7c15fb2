package io.edgeauth.broker.token;

import io.edgeauth.broker.store.ChecksummedFile;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The verification cache's file, kept across a clean restart: for each token that verified, the SHA-256 of its
 * bytes, the (iss, kid) of the key it verified with, a digest of that key's encoding, and its expiry. No token and
 * no key is kept. A {@link ChecksummedFile}: a magic number and version, a table of the keys, the entries, and a
 * CRC-32 of everything before it, so a truncated or damaged file is refused whole rather than read in part.
 */
final class VerifiedTokenFile {
    private static final int MAGIC = 0x45415654; // "EAVT"
    private static final int VERSION = 1;
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
    static void write(Path file, List<Line> lines) throws IOException {
        ChecksummedFile.write(file, out -> {
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
        });
    }

    /**
     * Reads at most {@code max} lines that expire after {@code nowEpochSecond}.
     *
     * @throws IOException the file is unreadable, of another format or version, truncated or damaged
     */
    static List<Line> read(Path file, int max, long nowEpochSecond) throws IOException {
        return ChecksummedFile.read(file, "verification cache file", in -> {
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
        });
    }
}
