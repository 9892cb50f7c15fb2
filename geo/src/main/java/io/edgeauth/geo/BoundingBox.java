package io.edgeauth.geo;

import io.edgeauth.geo.internal.Checks;
import io.edgeauth.geo.internal.Spherical;

/**
 * A latitude/longitude rectangle, the shape of a GeoHash cell and a coverable {@link Shape}.
 * Immutable and thread-safe. It never crosses the antimeridian ({@code minLon <= maxLon}); cover
 * such an area as two boxes and take the {@link RegionSet#union union}.
 *
 * <p>As a shape the box is closed (edges included). A GeoHash cell owns its south and west edges;
 * its north and east edges belong to the next cell, except at 90 N and 180 E.
 */
public record BoundingBox(double minLat, double maxLat, double minLon, double maxLon) implements Shape {

    public BoundingBox {
        Checks.latitude(minLat);
        Checks.latitude(maxLat);
        Checks.longitude(minLon);
        Checks.longitude(maxLon);
        if (minLat > maxLat) {
            throw new IllegalArgumentException("minLat " + minLat + " > maxLat " + maxLat);
        }
        if (minLon > maxLon) {
            throw new IllegalArgumentException("minLon " + minLon + " > maxLon " + maxLon
                    + " (boxes across the antimeridian are not supported: split them in two)");
        }
    }

    public LatLon centre() {
        return new LatLon((minLat + maxLat) / 2, (minLon + maxLon) / 2);
    }

    @Override
    public boolean contains(LatLon p) {
        return p.lat() >= minLat && p.lat() <= maxLat && p.lon() >= minLon && p.lon() <= maxLon;
    }

    @Override
    public double areaSquareMetres() {
        return Spherical.boxArea(minLat, maxLat, minLon, maxLon);
    }

    /**
     * Exact for cells: a cell that meets this box only along its own north or east edge holds no
     * point of the box (those points encode to the next cell), so it is DISJOINT.
     */
    @Override
    public Relation relate(BoundingBox cell) {
        if (!ownsPointIn(cell.minLat, cell.maxLat, 90.0, minLat, maxLat)
                || !ownsPointIn(cell.minLon, cell.maxLon, 180.0, minLon, maxLon)) {
            return Relation.DISJOINT;
        }
        boolean inside = cell.minLat >= minLat && cell.maxLat <= maxLat
                && cell.minLon >= minLon && cell.maxLon <= maxLon;
        return inside ? Relation.INSIDE : Relation.PARTIAL;
    }

    /** Whether the half-open cell interval [lo, hi) (closed at {@code limit}) meets [a, b]. */
    private static boolean ownsPointIn(double lo, double hi, double limit, double a, double b) {
        return lo <= b && (a < hi || (hi == limit && a <= hi));
    }
}
