package io.edgeauth.geo;

import java.util.List;

/**
 * Result of {@link Covers#cover}: cells whose union contains the requested shape. Immutable and
 * thread-safe.
 *
 * @param cells distinct, non-overlapping cells in alphabet order (lower case)
 * @param precision the precision the cover was computed at; merged covers also hold shorter cells
 * @param overCoverage covered area / requested area (&ge; 1 up to rounding; 1 is a perfect fit)
 */
public record Cover(List<String> cells, int precision, double overCoverage) {
    public Cover {
        cells = List.copyOf(cells);
    }

    /** The cells as a {@link RegionSet}, for fast point and cell queries. */
    public RegionSet toRegionSet() {
        return RegionSet.of(cells);
    }
}
