package io.edgeauth.broker.token;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The verification cache's file, kept across a clean restart: for each token that verified, the SHA-256 of its
 * bytes, the (iss, kid) of the key it verified with, a digest of that key's encoding, and its expiry. No token and
 * no key is kept. A short binary layout written by hand (a handful of fixed fields; a serialization library would
 * add a dependency and no safety): a magic number and version, a table of the keys, the entries, and a CRC-32 of
 * everything before it, so a truncated or damaged file is refused whole rather than read in part.
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
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            writeTemporary(tmp, lines);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static void writeTemporary(Path tmp, List<Line> lines) throws IOException {
        Files.deleteIfExists(tmp);
        if (tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) { // owner-only, as the store
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        CRC32 crc = new CRC32();
        try (OutputStream raw = Files.newOutputStream(tmp);
             DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new CheckedOutputStream(raw, crc),
                     1 << 16))) {
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
            out.flush();
            raw.write(longBytes(crc.getValue())); // past the checksum stream: the checksum is not part of itself
        }
    }

    /**
     * Reads at most {@code max} lines that expire after {@code nowEpochSecond}.
     *
     * @throws IOException the file is unreadable, of another format or version, truncated or damaged
     */
    static List<Line> read(Path file, int max, long nowEpochSecond) throws IOException {
        CRC32 crc = new CRC32();
        List<Line> lines = new ArrayList<>();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            DataInputStream in = new DataInputStream(new CheckedInputStream(raw, crc));
            if (in.readInt() != MAGIC) {
                throw new IOException("not a verification cache file");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new IOException("verification cache file version " + version + ", expected " + VERSION);
            }
            int keyCount = count(in.readInt(), MAX_KEYS, "keys");
            Line[] keys = new Line[keyCount];
            for (int i = 0; i < keyCount; i++) {
                keys[i] = new Line(null, in.readUTF(), in.readUTF(), in.readNBytes(DIGEST_BYTES), 0);
                if (keys[i].keyDigest().length != DIGEST_BYTES) {
                    throw new EOFException("truncated key table");
                }
            }
            int entries = count(in.readInt(), Integer.MAX_VALUE, "entries");
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
            long computed = crc.getValue();
            byte[] stored = raw.readNBytes(Long.BYTES);
            if (stored.length != Long.BYTES || java.nio.ByteBuffer.wrap(stored).getLong() != computed
                    || raw.read() != -1) {
                throw new IOException("verification cache file damaged (checksum)");
            }
        }
        return lines;
    }

    private static int count(int n, int max, String what) throws IOException {
        if (n < 0 || n > max) {
            throw new IOException("verification cache file claims " + n + " " + what);
        }
        return n;
    }

    private static byte[] longBytes(long v) {
        return java.nio.ByteBuffer.allocate(Long.BYTES).putLong(v).array();
    }
}
