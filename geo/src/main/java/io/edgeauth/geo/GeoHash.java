package io.edgeauth.geo;

import io.edgeauth.geo.internal.Base32;
import io.edgeauth.geo.internal.Bits;
import io.edgeauth.geo.internal.Checks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * GeoHash cells as strings of 1..12 characters from the alphabet {@code 0-9 b-h j k m n p-z}.
 * Stateless and thread-safe.
 *
 * <h2>Input</h2>
 * Every method taking a cell validates it: {@code null}, empty, longer than 12, or containing a
 * character outside the alphabet (notably {@code a i l o}) is refused with an
 * {@link IllegalArgumentException} that names the bad value. Upper case is accepted and folded to
 * lower case (GeoHash is case-insensitive by convention); every returned cell is lower case.
 *
 * <h2>Boundary rule</h2>
 * A coordinate exactly on a cell boundary belongs to the cell north/east of it: each bisection step
 * sends {@code v >= mid} to the upper half (as geohash-java does). So (40.390943, -75.9375) encodes
 * to {@code dr4jb0bn2180}, not {@code dr1vzbzyrcxb} (ngeohash's {@code v > mid}). Latitude 90 and
 * longitude 180 fall into the last row/column. Equivalently a cell owns its south and west edges.
 *
 * <h2>Poles and antimeridian</h2>
 * East/west neighbours wrap around the antimeridian. Cells in the top (bottom) row have no north
 * (south) neighbours: {@link #neighbour} returns empty and {@link #neighbours} omits them, because
 * stepping "over" a pole would land half a world away rather than next door.
 */
public final class GeoHash {
    /** Longest supported cell: 12 characters = 60 bits, about 3.7 cm x 1.9 cm. */
    public static final int MAX_PRECISION = Bits.MAX_PRECISION;

    private GeoHash() {
    }

    /** The cell of {@code precision} characters containing the point. */
    public static String encode(double lat, double lon, int precision) {
        Checks.latitude(lat);
        Checks.longitude(lon);
        Checks.precision(precision);
        return toString(Bits.encode(lat, lon, precision), precision);
    }

    public static String encode(LatLon point, int precision) {
        return encode(point.lat(), point.lon(), precision);
    }

    /** The bounding box of a cell. */
    public static BoundingBox decode(String cell) {
        String c = normalize(cell);
        return box(toBits(c), c.length());
    }

    /** The centre of a cell. */
    public static LatLon centre(String cell) {
        return decode(cell).centre();
    }

    /** Whether the point lies in {@code cell}, i.e. encodes to it under the boundary rule. */
    public static boolean contains(String cell, double lat, double lon) {
        String c = normalize(cell);
        return encode(lat, lon, c.length()).equals(c);
    }

    /**
     * The broker's overlap test: two cells overlap iff one is a prefix of the other (one lies
     * inside the other). Cells that merely touch do not overlap.
     */
    public static boolean overlaps(String a, String b) {
        String x = normalize(a);
        String y = normalize(b);
        return x.startsWith(y) || y.startsWith(x);
    }

    /** The adjacent cell of the same precision, or empty north of the top row / south of the bottom row. */
    public static Optional<String> neighbour(String cell, Direction direction) {
        String c = normalize(cell);
        int p = c.length();
        long bits = toBits(c);
        long row = Bits.latIndex(bits, p) + direction.dLat();
        if (row < 0 || row >= 1L << Bits.latBits(p)) {
            return Optional.empty();
        }
        long columns = 1L << Bits.lonBits(p);
        long column = Math.floorMod(Bits.lonIndex(bits, p) + direction.dLon(), columns);
        return Optional.of(toString(Bits.fromIndices(row, column, p), p));
    }

    /**
     * All existing neighbours in the order N, NE, E, SE, S, SW, W, NW: eight, or five for a cell
     * in the top or bottom row. Unmodifiable.
     */
    public static Map<Direction, String> neighbours(String cell) {
        String c = normalize(cell);
        Map<Direction, String> result = new EnumMap<>(Direction.class);
        for (Direction d : Direction.values()) {
            neighbour(c, d).ifPresent(n -> result.put(d, n));
        }
        return Collections.unmodifiableMap(result);
    }

    /** The enclosing cell one character shorter, or empty for a single-character cell. */
    public static Optional<String> parent(String cell) {
        String c = normalize(cell);
        return c.length() == 1 ? Optional.empty() : Optional.of(c.substring(0, c.length() - 1));
    }

    /** The 32 sub-cells in alphabet order. */
    public static List<String> children(String cell) {
        String c = normalize(cell);
        if (c.length() == MAX_PRECISION) {
            throw new IllegalArgumentException("cell " + c + " is at the maximum precision " + MAX_PRECISION
                    + " and has no children");
        }
        List<String> result = new ArrayList<>(32);
        for (int i = 0; i < 32; i++) {
            result.add(c + Base32.charAt(i));
        }
        return List.copyOf(result);
    }

    /** Whether {@code cell} is a valid cell (any case); never throws. */
    public static boolean isValid(String cell) {
        if (cell == null || cell.isEmpty() || cell.length() > MAX_PRECISION) {
            return false;
        }
        for (int i = 0; i < cell.length(); i++) {
            if (Base32.indexOf(cell.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Validates a cell and returns it in lower case.
     *
     * @throws IllegalArgumentException naming the problem and (a truncated, escaped copy of) the value
     */
    public static String normalize(String cell) {
        if (cell == null) {
            throw new IllegalArgumentException("geohash must not be null");
        }
        if (cell.isEmpty()) {
            throw new IllegalArgumentException("geohash must not be empty");
        }
        if (cell.length() > MAX_PRECISION) {
            throw new IllegalArgumentException("geohash longer than " + MAX_PRECISION + " characters: "
                    + Checks.quote(cell));
        }
        for (int i = 0; i < cell.length(); i++) {
            if (Base32.indexOf(cell.charAt(i)) < 0) {
                throw new IllegalArgumentException("invalid geohash character " + Checks.quote(cell.substring(i, i + 1))
                        + " at index " + i + " in " + Checks.quote(cell)
                        + " (alphabet is 0-9 and b-z without a, i, l, o)");
            }
        }
        return cell.toLowerCase(java.util.Locale.ROOT);
    }

    /** Integer value of a normalized cell ({@code 5 * length} bits). */
    static long toBits(String cell) {
        long bits = 0;
        for (int i = 0; i < cell.length(); i++) {
            bits = (bits << 5) | Base32.indexOf(cell.charAt(i));
        }
        return bits;
    }

    static String toString(long bits, int precision) {
        char[] chars = new char[precision];
        for (int i = precision - 1; i >= 0; i--) {
            chars[i] = Base32.charAt((int) (bits & 31));
            bits >>>= 5;
        }
        return new String(chars);
    }

    static BoundingBox box(long bits, int precision) {
        double latStep = 180.0 / (1L << Bits.latBits(precision));
        double lonStep = 360.0 / (1L << Bits.lonBits(precision));
        double minLat = -90.0 + Bits.latIndex(bits, precision) * latStep;
        double minLon = -180.0 + Bits.lonIndex(bits, precision) * lonStep;
        return new BoundingBox(minLat, minLat + latStep, minLon, minLon + lonStep);
    }
}
