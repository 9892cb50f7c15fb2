package io.edgeauth.geo;

/**
 * A region of the earth that {@link Covers} can cover with GeoHash cells: a {@link Circle}, a
 * {@link BoundingBox} or a {@link Polygon}. Implementations are immutable and thread-safe.
 */
public sealed interface Shape permits Circle, BoundingBox, Polygon {

    /** Whether the point lies in the shape (each shape documents whether its edges belong to it). */
    boolean contains(LatLon point);

    /** Area in square metres on a spherical earth. */
    double areaSquareMetres();

    /**
     * Relation of a GeoHash cell's box to this shape. PARTIAL may be returned for a box that only
     * touches the shape; DISJOINT and INSIDE are exact.
     */
    Relation relate(BoundingBox cell);
}
