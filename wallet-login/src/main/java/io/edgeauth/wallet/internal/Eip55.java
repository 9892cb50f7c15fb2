package io.edgeauth.wallet.internal;

import java.nio.charset.StandardCharsets;

/**
 * EIP-55 mixed-case checksum addresses. Stateless, thread-safe.
 */
public final class Eip55 {
    private Eip55() {
    }

    /** @return true if {@code s} is {@code 0x} followed by exactly 40 hex digits (any case) */
    public static boolean isHexAddress(String s) {
        if (s.length() != 42 || s.charAt(0) != '0' || s.charAt(1) != 'x') {
            return false;
        }
        for (int i = 2; i < 42; i++) {
            if (Hex.nibble(s.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    /** @return the EIP-55 checksum form of 20 address bytes */
    public static String toChecksum(byte[] address20) {
        String lower = Hex.encode(address20);
        byte[] hash = Keccak.hash(lower.getBytes(StandardCharsets.US_ASCII));
        char[] out = new char[42];
        out[0] = '0';
        out[1] = 'x';
        for (int i = 0; i < 40; i++) {
            char c = lower.charAt(i);
            int nib = (hash[i / 2] >> ((i & 1) == 0 ? 4 : 0)) & 0xf;
            out[i + 2] = (c >= 'a' && nib >= 8) ? (char) (c - 32) : c;
        }
        return new String(out);
    }

    /**
     * @param s a string for which {@link #isHexAddress(String)} holds
     * @return true if the letters of {@code s} are cased exactly as EIP-55 requires
     */
    public static boolean isChecksummed(String s) {
        byte[] ascii = new byte[40];
        for (int i = 0; i < 40; i++) {
            char c = s.charAt(i + 2);
            ascii[i] = (byte) (c >= 'A' && c <= 'F' ? c + 32 : c);
        }
        byte[] hash = Keccak.hash(ascii);
        for (int i = 0; i < 40; i++) {
            char c = s.charAt(i + 2);
            if (c >= '0' && c <= '9') {
                continue;
            }
            int nib = (hash[i / 2] >> ((i & 1) == 0 ? 4 : 0)) & 0xf;
            boolean upper = c <= 'F';
            if (upper != (nib >= 8)) {
                return false;
            }
        }
        return true;
    }

    /** @return the 20 bytes of a valid hex address */
    public static byte[] toBytes(String s) {
        return Hex.decode(s);
    }
}
