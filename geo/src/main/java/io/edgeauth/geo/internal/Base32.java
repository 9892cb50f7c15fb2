package io.edgeauth.geo.internal;

/** The GeoHash base-32 alphabet (0-9, b-z without a, i, l, o). Stateless, thread-safe. */
public final class Base32 {
    public static final String ALPHABET = "0123456789bcdefghjkmnpqrstuvwxyz";

    // Indexed by char (< 128); -1 = not in the alphabet. Upper case maps like lower case.
    private static final byte[] INDEX = new byte[128];

    static {
        java.util.Arrays.fill(INDEX, (byte) -1);
        for (int i = 0; i < ALPHABET.length(); i++) {
            char c = ALPHABET.charAt(i);
            INDEX[c] = (byte) i;
            INDEX[Character.toUpperCase(c)] = (byte) i;
        }
    }

    private Base32() {
    }

    /** Value 0..31 of {@code c}, or -1 if it is not a GeoHash character. */
    public static int indexOf(char c) {
        return c < 128 ? INDEX[c] : -1;
    }

    public static char charAt(int index) {
        return ALPHABET.charAt(index);
    }
}
