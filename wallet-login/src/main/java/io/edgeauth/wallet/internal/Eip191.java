package io.edgeauth.wallet.internal;

import java.nio.charset.StandardCharsets;

/**
 * EIP-191 version 0x45 ({@code personal_sign}) hashing:
 * {@code keccak256("\x19Ethereum Signed Message:\n" + len(message) + message)}. Stateless, thread-safe.
 */
public final class Eip191 {
    private static final byte[] PREFIX = "\u0019Ethereum Signed Message:\n".getBytes(StandardCharsets.US_ASCII);

    private Eip191() {
    }

    /** @return the 32-byte hash a wallet signs for {@code personal_sign(message)} */
    public static byte[] personalMessageHash(byte[] message) {
        byte[] len = Integer.toString(message.length).getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[PREFIX.length + len.length + message.length];
        System.arraycopy(PREFIX, 0, all, 0, PREFIX.length);
        System.arraycopy(len, 0, all, PREFIX.length, len.length);
        System.arraycopy(message, 0, all, PREFIX.length + len.length, message.length);
        return Keccak.hash(all);
    }

    /** @return the hash of the UTF-8 bytes of {@code message} */
    public static byte[] personalMessageHash(String message) {
        return personalMessageHash(message.getBytes(StandardCharsets.UTF_8));
    }
}
