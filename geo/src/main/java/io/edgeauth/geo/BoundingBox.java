package io.edgeauth.geo;

import io.edgeauth.geo.internal.Checks;
import io.edgeauth.geo.internal.Spherical;

/**
 * A latitude/longitude rectangle: the shape of a GeoHash cell and a coverable {@link Shape}.
 * Immutable and thread-safe. It never crosses the antimeridian ({@code minLon < maxLon}); cover
 * such an area as two boxes and take the {@link RegionSet#union union}.
 *
 * <p>Like a cell, a box owns its south and west edges but not its north and east edges (those
 * belong to the next box), except at 90 N and 180 E. This makes the cover of {@code decode(cell)}
 * exactly that cell, and adjacent boxes never share a point.
 */
public record BoundingBox(double minLat, double maxLat, double minLon, double maxLon) implements Shape {

    public BoundingBox {
        Checks.latitude(minLat);
        Checks.latitude(maxLat);
        Checks.longitude(minLon);
        Checks.longitude(maxLon);
        if (minLat >= maxLat) {
            throw new IllegalArgumentException("minLat " + minLat + " must be < maxLat " + maxLat);
        }
        if (minLon >= maxLon) {
            throw new IllegalArgumentException("minLon " + minLon + " must be < maxLon " + maxLon
                    + " (boxes across the antimeridian are not supported: split them in two)");
        }
    }

    public LatLon centre() {
        return new LatLon((minLat + maxLat) / 2, (minLon + maxLon) / 2);
    }

    @Override
    public boolean contains(LatLon p) {
        return owns(minLat, maxLat, 90.0, p.lat()) && owns(minLon, maxLon, 180.0, p.lon());
    }

    /** Whether the interval [lo, hi), closed at {@code limit}, holds v. */
    private static boolean owns(double lo, double hi, double limit, double v) {
        return v >= lo && (v < hi || (v == limit && hi == limit));
    }

    @Override
    public double areaSquareMetres() {
        return Spherical.boxArea(minLat, maxLat, minLon, maxLon);
    }

    /** Exact: both boxes are half-open the same way, so touching along an edge is DISJOINT. */
    @Override
    public Relation relate(BoundingBox cell) {
        if (cell.minLat >= maxLat || minLat >= cell.maxLat || cell.minLon >= maxLon || minLon >= cell.maxLon) {
            return Relation.DISJOINT;
        }
        boolean inside = cell.minLat >= minLat && cell.maxLat <= maxLat
                && cell.minLon >= minLon && cell.maxLon <= maxLon;
        return inside ? Relation.INSIDE : Relation.PARTIAL;
    }
}
