package io.edgeauth.geo;

import io.edgeauth.geo.internal.Bits;

import java.util.ArrayList;
import java.util.List;

/**
 * Covers a {@link Shape} with GeoHash cells. Stateless and thread-safe.
 *
 * <p>At a fixed precision the cover is every cell of that precision that holds a point of the
 * shape, which is the smallest cover at that precision (PARTIAL cells that only touch a circle or
 * polygon along an edge may be included). With {@link CoverOptions#merge} complete sibling groups
 * become their parent, recursively. Work is bounded by the cell cap, not by the shape's size.
 */
public final class Covers {

    private Covers() {
    }

    public static Cover circle(LatLon centre, double radiusMetres, CoverOptions options) {
        return cover(new Circle(centre, radiusMetres), options);
    }

    public static Cover box(BoundingBox box, CoverOptions options) {
        return cover(box, options);
    }

    public static Cover polygon(List<LatLon> vertices, CoverOptions options) {
        return cover(new Polygon(vertices), options);
    }

    /**
     * @throws IllegalArgumentException if the cover at the requested precision (or, when choosing
     *         the precision, even at precision 1) needs more than {@code maxCells} cells
     */
    public static Cover cover(Shape shape, CoverOptions options) {
        if (shape == null || options == null) {
            throw new IllegalArgumentException("shape and options must not be null");
        }
        if (options.precision() != 0) {
            List<String> cells = collect(shape, options.precision(), options);
            if (cells == null) {
                throw tooMany(shape, options, options.precision());
            }
            return result(shape, cells, options.precision());
        }
        List<String> best = null;
        int bestPrecision = 0;
        // cell counts grow with precision, so stop at the first precision over the cap
        for (int p = 1; p <= GeoHash.MAX_PRECISION; p++) {
            List<String> cells = collect(shape, p, options);
            if (cells == null) {
                break;
            }
            best = cells;
            bestPrecision = p;
        }
        if (best == null) {
            throw tooMany(shape, options, 1);
        }
        return result(shape, best, bestPrecision);
    }

    private static IllegalArgumentException tooMany(Shape shape, CoverOptions options, int precision) {
        return new IllegalArgumentException("covering " + shape + " at precision " + precision
                + " needs more than maxCells=" + options.maxCells() + " cells; use a coarser precision or a higher cap");
    }

    private static Cover result(Shape shape, List<String> cells, int precision) {
        double covered = 0;
        for (String c : cells) {
            covered += GeoHash.decode(c).areaSquareMetres();
        }
        return new Cover(cells, precision, covered / shape.areaSquareMetres());
    }

    /** Cells in alphabet order, or null once the cap is certainly exceeded. */
    private static List<String> collect(Shape shape, int precision, CoverOptions options) {
        Walk walk = new Walk(shape, precision, options);
        try {
            for (int i = 0; i < 32; i++) {
                walk.visit(i, 1, false);
            }
        } catch (CapExceeded e) {
            return null;
        }
        if (walk.out.size() > options.maxCells()) {
            return null;
        }
        List<String> cells = new ArrayList<>(walk.out.size());
        for (long[] c : walk.out) {
            cells.add(GeoHash.toString(c[0], (int) c[1]));
        }
        return cells;
    }

    private static final class CapExceeded extends RuntimeException {
        CapExceeded() {
            super(null, null, false, false);
        }
    }

    /** Depth-first walk of the cell tree; cells are kept as (bits, precision) until the end. */
    private static final class Walk {
        private final Shape shape;
        private final int precision;
        private final boolean merge;
        private final int limit;
        final List<long[]> out = new ArrayList<>();

        Walk(Shape shape, int precision, CoverOptions options) {
            this.shape = shape;
            this.precision = precision;
            this.merge = options.merge();
            // Before a merge a subtree may hold up to 31 extra cells per level on the current path,
            // so only abort early once even the best case of merging cannot get back under the cap.
            this.limit = merge ? options.maxCells() + 31 * Bits.MAX_PRECISION : options.maxCells();
        }

        void visit(long bits, int level, boolean knownInside) {
            Relation r = knownInside ? Relation.INSIDE : shape.relate(GeoHash.box(bits, level));
            if (r == Relation.DISJOINT) {
                return;
            }
            if (level == precision || (merge && r == Relation.INSIDE)) {
                emit(bits, level);
                return;
            }
            if (r == Relation.INSIDE && !merge && out.size() + Math.pow(32, precision - level) > limit) {
                // every descendant would be emitted: refuse now instead of enumerating up to the cap
                throw new CapExceeded();
            }
            int before = out.size();
            for (int i = 0; i < 32; i++) {
                visit((bits << 5) | i, level + 1, r == Relation.INSIDE);
            }
            if (merge && out.size() == before + 32 && allAtLevel(before, level + 1)) {
                out.subList(before, out.size()).clear();
                emit(bits, level);
            }
        }

        private boolean allAtLevel(int from, int level) {
            for (int i = from; i < out.size(); i++) {
                if (out.get(i)[1] != level) {
                    return false;
                }
            }
            return true;
        }

        private void emit(long bits, int level) {
            out.add(new long[] {bits, level});
            if (out.size() > limit) {
                throw new CapExceeded();
            }
        }
    }
}
