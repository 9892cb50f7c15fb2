package io.edgeauth.wallet.internal;

/** Minimal, allocation-light hex codec (no exceptions on bad input). Stateless, thread-safe. */
public final class Hex {
    private static final char[] DIGITS = "0123456789abcdef".toCharArray();

    private Hex() {
    }

    /** @return value of a hex digit, or -1 */
    public static int nibble(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /**
     * Decodes hex with an optional {@code 0x} prefix.
     *
     * @return the bytes, or {@code null} when the input is not an even number of hex digits
     */
    public static byte[] decode(CharSequence s) {
        int from = 0;
        int n = s.length();
        if (n >= 2 && s.charAt(0) == '0' && (s.charAt(1) == 'x' || s.charAt(1) == 'X')) {
            from = 2;
        }
        if (((n - from) & 1) != 0) {
            return null;
        }
        byte[] out = new byte[(n - from) / 2];
        for (int i = from, j = 0; i < n; i += 2, j++) {
            int hi = nibble(s.charAt(i));
            int lo = nibble(s.charAt(i + 1));
            if (hi < 0 || lo < 0) {
                return null;
            }
            out[j] = (byte) ((hi << 4) | lo);
        }
        return out;
    }

    /** @return lower-case hex without prefix */
    public static String encode(byte[] b) {
        char[] out = new char[b.length * 2];
        for (int i = 0; i < b.length; i++) {
            out[2 * i] = DIGITS[(b[i] >> 4) & 0xf];
            out[2 * i + 1] = DIGITS[b[i] & 0xf];
        }
        return new String(out);
    }
}
