package io.edgeauth.broker.store;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * A stream sealed with AES-GCM in chunks of at most 1 MiB (the STREAM construction: each chunk its own nonce, a random
 * prefix and the chunk's number, and its length and a last-chunk flag authenticated with it), so a file of any size
 * is written and read with bounded memory and every byte handed to the reader was authenticated first; a truncated,
 * reordered or altered file fails. Written by hand because the JDK's {@code CipherInputStream} buffers a whole AEAD
 * message and, on JDK 17, reallocates its output for every 512 bytes read: restoring 20,000 DTLS sessions (5.7 MiB)
 * through Californium's encrypted stream took 40 s of CPU. (Tink's streaming AEAD does the same, but brings protobuf
 * and its own key management for one file.)
 */
public final class SealedChunks {
    private static final int MAGIC = 0x45415331; // "EAS1"
    static final int CHUNK = 1 << 20;
    private static final int TAG_BITS = 128;
    private static final int LAST = 0x8000_0000;

    private SealedChunks() {
    }

    /** An output stream sealing what is written to {@code out} under {@code key} (AES, 16 or 32 bytes). */
    public static OutputStream sealing(OutputStream out, SecretKey key) throws IOException {
        byte[] prefix = new byte[8];
        new SecureRandom().nextBytes(prefix);
        DataOutputStream data = new DataOutputStream(out);
        data.writeInt(MAGIC);
        data.write(prefix);
        return new OutputStream() {
            private final byte[] buffer = new byte[CHUNK];
            private int filled;
            private int counter;
            private boolean closed;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                while (len > 0) {
                    if (filled == CHUNK) {
                        seal(false);
                    }
                    int n = Math.min(len, CHUNK - filled);
                    System.arraycopy(b, off, buffer, filled, n);
                    filled += n;
                    off += n;
                    len -= n;
                }
            }

            private void seal(boolean last) throws IOException {
                int header = filled | (last ? LAST : 0);
                byte[] sealed = crypt(Cipher.ENCRYPT_MODE, key, prefix, counter++, header, buffer, filled);
                data.writeInt(header);
                data.write(sealed);
                filled = 0;
            }

            /** Seals the last chunk and closes {@code out}. */
            @Override
            public void close() throws IOException {
                if (!closed) {
                    closed = true;
                    seal(true);
                    data.close();
                }
            }
        };
    }

    /** An input stream of what {@link #sealing} wrote to {@code in}; fails with an IOException on any alteration. */
    public static InputStream opening(InputStream in, SecretKey key) throws IOException {
        DataInputStream data = new DataInputStream(in);
        if (data.readInt() != MAGIC) {
            throw new IOException("not a sealed file");
        }
        byte[] prefix = data.readNBytes(8);
        if (prefix.length != 8) {
            throw new EOFException("truncated header");
        }
        return new InputStream() {
            private InputStream chunk = InputStream.nullInputStream();
            private int counter;
            private boolean last;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                while (true) {
                    int n = chunk.read(b, off, len);
                    if (n >= 0 || last) {
                        return n;
                    }
                    next();
                }
            }

            private void next() throws IOException {
                int header;
                try {
                    header = data.readInt();
                } catch (EOFException e) {
                    throw new EOFException("sealed file cut short before its last chunk");
                }
                int length = header & ~LAST;
                if (length > CHUNK) {
                    throw new IOException("sealed chunk of " + length + " bytes");
                }
                byte[] sealed = data.readNBytes(length + TAG_BITS / 8);
                if (sealed.length != length + TAG_BITS / 8) {
                    throw new EOFException("sealed file cut short in a chunk");
                }
                chunk = new ByteArrayInputStream(crypt(Cipher.DECRYPT_MODE, key, prefix, counter++, header, sealed,
                        sealed.length));
                last = (header & LAST) != 0;
                if (last && data.read() != -1) {
                    throw new IOException("bytes after the last sealed chunk");
                }
            }
        };
    }

    private static byte[] crypt(int mode, SecretKey key, byte[] prefix, int counter, int header, byte[] in, int len)
            throws IOException {
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            byte[] nonce = ByteBuffer.allocate(12).put(prefix).putInt(counter).array();
            gcm.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
            gcm.updateAAD(ByteBuffer.allocate(4).putInt(header).array());
            return gcm.doFinal(in, 0, len);
        } catch (GeneralSecurityException e) {
            throw new IOException("sealed chunk " + counter + " does not open (another key, or altered)", e);
        }
    }
}
