package io.edgeauth.geo.internal;

/** Argument checks with messages that name the bad value without echoing hostile input in full. */
public final class Checks {
    private static final int MAX_ECHO = 24;

    private Checks() {
    }

    public static double latitude(double lat) {
        return coordinate("latitude", lat, 90.0);
    }

    public static double longitude(double lon) {
        return coordinate("longitude", lon, 180.0);
    }

    private static double coordinate(String name, double v, double limit) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException(name + " must be a finite number, got " + v);
        }
        if (v < -limit || v > limit) {
            throw new IllegalArgumentException(
                    name + " out of range [" + (int) -limit + ", " + (int) limit + "]: " + v);
        }
        return v;
    }

    public static int precision(int precision) {
        if (precision < 1 || precision > Bits.MAX_PRECISION) {
            throw new IllegalArgumentException(
                    "precision out of range [1, " + Bits.MAX_PRECISION + "]: " + precision);
        }
        return precision;
    }

    /** Quotes a possibly hostile string for a message: truncated and with non-printables escaped. */
    public static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        int n = Math.min(s.length(), MAX_ECHO);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                b.append(c);
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        if (s.length() > n) {
            b.append("...\" (").append(s.length()).append(" chars)");
        } else {
            b.append('"');
        }
        return b.toString();
    }
}
