package io.edgeauth.geo.internal;

/**
 * GeoHash as an integer: 30 bits of longitude interleaved with 30 bits of latitude (longitude first),
 * i.e. 60 bits = 12 characters. Shorter hashes are the top {@code 5 * precision} bits.
 * Stateless, thread-safe.
 */
public final class Bits {
    public static final int MAX_PRECISION = 12;
    public static final int AXIS_BITS = 30;

    private Bits() {
    }

    /**
     * Interleaved 60-bit hash. A coordinate exactly on a cell boundary goes to the upper cell
     * (the "v >= mid goes up" bisection rule); 90 and 180 fall into the last cell.
     */
    public static long encode60(double lat, double lon) {
        long latIdx = quantize(lat, -90.0, 180.0);
        long lonIdx = quantize(lon, -180.0, 360.0);
        return (spread(lonIdx) << 1) | spread(latIdx);
    }

    /** The top {@code 5 * precision} bits of {@link #encode60}. */
    public static long encode(double lat, double lon, int precision) {
        return encode60(lat, lon) >>> (60 - 5 * precision);
    }

    /** Number of longitude bits in a hash of {@code precision} characters (lon takes the odd bit). */
    public static int lonBits(int precision) {
        return (5 * precision + 1) / 2;
    }

    public static int latBits(int precision) {
        return 5 * precision / 2;
    }

    /** Row index (latitude) of a {@code precision}-character hash. */
    public static long latIndex(long hash, int precision) {
        return compact(hash << (60 - 5 * precision)) >>> (AXIS_BITS - latBits(precision));
    }

    /** Column index (longitude) of a {@code precision}-character hash. */
    public static long lonIndex(long hash, int precision) {
        return compact((hash << (60 - 5 * precision)) >>> 1) >>> (AXIS_BITS - lonBits(precision));
    }

    /** Inverse of {@link #latIndex}/{@link #lonIndex}. */
    public static long fromIndices(long latIdx, long lonIdx, int precision) {
        long h60 = (spread(lonIdx << (AXIS_BITS - lonBits(precision))) << 1)
                | spread(latIdx << (AXIS_BITS - latBits(precision)));
        return h60 >>> (60 - 5 * precision);
    }

    /**
     * Largest k with {@code min + k * cell <= v}, exactly. Dividing first may round across a
     * boundary, so the estimate is corrected against boundaries, which are exact in a double
     * (multiples of 45 * 2^-28 below 2^9).
     */
    static long quantize(double v, double min, double span) {
        long cells = 1L << AXIS_BITS;
        double cell = span / cells;
        long k = Math.max(0, Math.min(cells - 1, (long) Math.floor((v - min) / cell)));
        while (k + 1 < cells && min + (k + 1) * cell <= v) {
            k++;
        }
        while (k > 0 && min + k * cell > v) {
            k--;
        }
        return k;
    }

    /** Spreads the low 32 bits of x into the even bit positions. */
    static long spread(long x) {
        x &= 0xFFFFFFFFL;
        x = (x | (x << 16)) & 0x0000FFFF0000FFFFL;
        x = (x | (x << 8)) & 0x00FF00FF00FF00FFL;
        x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FL;
        x = (x | (x << 2)) & 0x3333333333333333L;
        return (x | (x << 1)) & 0x5555555555555555L;
    }

    /** Inverse of {@link #spread}: gathers the even bit positions. */
    static long compact(long x) {
        x &= 0x5555555555555555L;
        x = (x | (x >>> 1)) & 0x3333333333333333L;
        x = (x | (x >>> 2)) & 0x0F0F0F0F0F0F0F0FL;
        x = (x | (x >>> 4)) & 0x00FF00FF00FF00FFL;
        x = (x | (x >>> 8)) & 0x0000FFFF0000FFFFL;
        return (x | (x >>> 16)) & 0xFFFFFFFFL;
    }
}
