package io.edgeauth.geo;

import io.edgeauth.geo.internal.Checks;

/**
 * How {@link Covers#cover} chooses cells. Immutable and thread-safe.
 *
 * @param precision fixed precision 1..12, or 0 for "the finest precision whose cover has at most
 *                  {@code maxCells} cells"
 * @param maxCells cap on the number of cells in the result (&ge; 1); a cover that needs more is refused
 * @param merge whether to replace every complete set of 32 sibling cells by their parent (mixed
 *              precisions, fewer cells, same area)
 */
public record CoverOptions(int precision, int maxCells, boolean merge) {
    /** Cap used by {@link #atPrecision(int)}: keeps a careless request from exhausting memory. */
    public static final int DEFAULT_MAX_CELLS = 100_000;

    public CoverOptions {
        if (precision != 0) {
            Checks.precision(precision);
        }
        if (maxCells < 1) {
            throw new IllegalArgumentException("maxCells must be >= 1, got " + maxCells);
        }
    }

    /** All cells at {@code precision}, unmerged, at most {@link #DEFAULT_MAX_CELLS}. */
    public static CoverOptions atPrecision(int precision) {
        return new CoverOptions(Checks.precision(precision), DEFAULT_MAX_CELLS, false);
    }

    /** The finest precision whose cover (unmerged unless {@link #merged()}) has at most {@code maxCells} cells. */
    public static CoverOptions finestWithin(int maxCells) {
        return new CoverOptions(0, maxCells, false);
    }

    public CoverOptions merged() {
        return new CoverOptions(precision, maxCells, true);
    }

    public CoverOptions withMaxCells(int cap) {
        return new CoverOptions(precision, cap, merge);
    }
}
