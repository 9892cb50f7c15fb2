package io.edgeauth.broker.store;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * A small state file the broker keeps across a clean restart (the verification cache, CoAP commands): a
 * {@link StateFiles} file with a CRC-32 of the body after it, so a truncated or damaged file is refused whole rather
 * than read in part. Its body is the caller's short binary layout (written by
 * hand: a few fixed fields, where a serialization library would add a dependency and no safety).
 */
public final class ChecksummedFile {
    /** Writes a body. */
    @FunctionalInterface
    public interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    /** Reads a body. */
    @FunctionalInterface
    public interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    private ChecksummedFile() {
    }

    /**
     * Writes {@code body} to {@code file}; on failure (a full disk) the temporary file is removed and {@code file} is
     * left as it was.
     */
    public static void write(Path file, Body body) throws IOException {
        StateFiles.write(file, raw -> {
            CRC32 crc = new CRC32();
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new CheckedOutputStream(raw, crc), 1 << 16));
            body.write(out);
            out.flush();
            raw.write(ByteBuffer.allocate(Long.BYTES).putLong(crc.getValue()).array()); // not part of itself
        });
    }

    /**
     * Reads {@code file} with {@code reader}, which must consume the whole body; what it returns counts only once the
     * checksum after the body matched.
     *
     * @param what names the file in errors ("verification cache file")
     * @throws IOException unreadable, truncated or damaged (checksum), or what the reader threw
     */
    public static <T> T read(Path file, String what, Reader<T> reader) throws IOException {
        CRC32 crc = new CRC32();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            T value = reader.read(new DataInputStream(new CheckedInputStream(raw, crc)));
            long computed = crc.getValue();
            byte[] stored = raw.readNBytes(Long.BYTES);
            if (stored.length != Long.BYTES || ByteBuffer.wrap(stored).getLong() != computed || raw.read() != -1) {
                throw new IOException(what + " damaged (checksum)");
            }
            return value;
        }
    }

    /** {@code n} if it is 0..max, else an IOException naming the file and what it counted. */
    public static int count(int n, int max, String what) throws IOException {
        if (n < 0 || n > max) {
            throw new IOException("file claims " + n + " " + what);
        }
        return n;
    }
}
