package io.edgeauth.geo;

import io.edgeauth.geo.internal.Spherical;

import java.util.ArrayList;
import java.util.List;

/**
 * A simple polygon (no self-intersections) given by its vertices in either winding order; a
 * repeated closing vertex is dropped. Edges are straight lines in the latitude/longitude plane
 * (not great circles), which is what a GeoHash grid is drawn in; consequently a polygon never
 * crosses the antimeridian. The boundary belongs to the polygon. Immutable and thread-safe.
 *
 * <p>{@link #relate} costs O(vertices), so covering costs O(vertices x cells visited); the
 * vertex cap keeps that bounded for untrusted input.
 *
 * @param vertices 3 to {@value #MAX_VERTICES} distinct vertices
 */
public record Polygon(List<LatLon> vertices) implements Shape {
    /** Cap on vertices: the simplicity check is quadratic and input may be hostile. */
    public static final int MAX_VERTICES = 4096;

    public Polygon {
        vertices = withoutClosingVertex(vertices);
        checkSimple(vertices);
        if (signedPlaneArea(vertices) == 0) {
            throw new IllegalArgumentException("polygon has zero area (all vertices collinear)");
        }
    }

    public static Polygon of(LatLon... vertices) {
        return new Polygon(List.of(vertices));
    }

    @Override
    public boolean contains(LatLon p) {
        double x = p.lon();
        double y = p.lat();
        boolean inside = false;
        int n = vertices.size();
        for (int i = 0, j = n - 1; i < n; j = i++) {
            LatLon a = vertices.get(j);
            LatLon b = vertices.get(i);
            if (onSegment(a, b, p)) {
                return true;
            }
            // even-odd rule: count edges crossed by a ray going east from the point
            if ((b.lat() > y) != (a.lat() > y)
                    && x < (a.lon() - b.lon()) * (y - b.lat()) / (a.lat() - b.lat()) + b.lon()) {
                inside = !inside;
            }
        }
        return inside;
    }

    /** Exact for lat/lon-straight edges: Green's theorem on the sphere's area element cos(lat). */
    @Override
    public double areaSquareMetres() {
        double sum = 0;
        int n = vertices.size();
        for (int i = 0, j = n - 1; i < n; j = i++) {
            double p1 = Math.toRadians(vertices.get(j).lat());
            double p2 = Math.toRadians(vertices.get(i).lat());
            double dl = Math.toRadians(vertices.get(i).lon() - vertices.get(j).lon());
            sum += Math.abs(p2 - p1) < 1e-12 ? Math.sin((p1 + p2) / 2) * dl
                    : dl * (Math.cos(p1) - Math.cos(p2)) / (p2 - p1);
        }
        return Math.abs(sum) * Spherical.EARTH_RADIUS_M * Spherical.EARTH_RADIUS_M;
    }

    /**
     * PARTIAL when an edge touches the cell; otherwise the cell is wholly in or out, and its
     * centre tells which.
     */
    @Override
    public Relation relate(BoundingBox cell) {
        int n = vertices.size();
        for (int i = 0, j = n - 1; i < n; j = i++) {
            if (segmentMeetsBox(vertices.get(j), vertices.get(i), cell)) {
                return Relation.PARTIAL;
            }
        }
        return contains(cell.centre()) ? Relation.INSIDE : Relation.DISJOINT;
    }

    /** Liang-Barsky clipping of segment a-b (x = lon, y = lat) against the closed box. */
    private static boolean segmentMeetsBox(LatLon a, LatLon b, BoundingBox box) {
        // most edges lie wholly to one side of a small cell; skip clipping for them
        if (Math.max(a.lon(), b.lon()) < box.minLon() || Math.min(a.lon(), b.lon()) > box.maxLon()
                || Math.max(a.lat(), b.lat()) < box.minLat() || Math.min(a.lat(), b.lat()) > box.maxLat()) {
            return false;
        }
        double dx = b.lon() - a.lon();
        double dy = b.lat() - a.lat();
        double[] p = {-dx, dx, -dy, dy};
        double[] q = {a.lon() - box.minLon(), box.maxLon() - a.lon(), a.lat() - box.minLat(), box.maxLat() - a.lat()};
        double t0 = 0;
        double t1 = 1;
        for (int k = 0; k < 4; k++) {
            if (p[k] == 0) {
                if (q[k] < 0) {
                    return false;
                }
            } else {
                double r = q[k] / p[k];
                if (p[k] < 0) {
                    t0 = Math.max(t0, r);
                } else {
                    t1 = Math.min(t1, r);
                }
                if (t0 > t1) {
                    return false;
                }
            }
        }
        return true;
    }

    private static List<LatLon> withoutClosingVertex(List<LatLon> vertices) {
        if (vertices == null) {
            throw new IllegalArgumentException("polygon vertices must not be null");
        }
        if (vertices.size() > MAX_VERTICES + 1) {
            throw new IllegalArgumentException("polygon has " + vertices.size() + " vertices, max " + MAX_VERTICES);
        }
        List<LatLon> v = new ArrayList<>(vertices.size());
        for (int i = 0; i < vertices.size(); i++) {
            LatLon p = vertices.get(i);
            if (p == null) {
                throw new IllegalArgumentException("polygon vertex " + i + " is null");
            }
            v.add(p);
        }
        if (v.size() > 1 && v.get(0).equals(v.get(v.size() - 1))) {
            v.remove(v.size() - 1);
        }
        if (v.size() < 3 || v.size() > MAX_VERTICES) {
            throw new IllegalArgumentException("polygon needs 3 to " + MAX_VERTICES + " distinct vertices, got " + v.size());
        }
        return List.copyOf(v);
    }

    private static void checkSimple(List<LatLon> v) {
        int n = v.size();
        for (int i = 0; i < n; i++) {
            if (v.get(i).equals(v.get((i + 1) % n))) {
                throw new IllegalArgumentException("polygon repeats vertex " + i + ": " + v.get(i));
            }
            for (int j = i + 1; j < n; j++) {
                boolean adjacent = j == i + 1 || (i == 0 && j == n - 1);
                if (adjacent ? overlapsCollinear(v, i, j) : segmentsMeet(v.get(i), v.get((i + 1) % n), v.get(j), v.get((j + 1) % n))) {
                    throw new IllegalArgumentException("polygon is not simple: edges " + i + " and " + j + " intersect");
                }
            }
        }
    }

    /** Adjacent edges may share their common vertex but must not fold back over each other. */
    private static boolean overlapsCollinear(List<LatLon> v, int i, int j) {
        int n = v.size();
        LatLon shared = i == 0 && j == n - 1 ? v.get(0) : v.get(j);
        LatLon a = i == 0 && j == n - 1 ? v.get(1) : v.get(i);
        LatLon b = i == 0 && j == n - 1 ? v.get(n - 1) : v.get((j + 1) % n);
        return cross(shared, a, b) == 0
                && (a.lon() - shared.lon()) * (b.lon() - shared.lon()) + (a.lat() - shared.lat()) * (b.lat() - shared.lat()) > 0;
    }

    private static boolean segmentsMeet(LatLon a, LatLon b, LatLon c, LatLon d) {
        double d1 = cross(c, d, a);
        double d2 = cross(c, d, b);
        double d3 = cross(a, b, c);
        double d4 = cross(a, b, d);
        if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) {
            return true;
        }
        return onSegment(c, d, a) || onSegment(c, d, b) || onSegment(a, b, c) || onSegment(a, b, d);
    }

    /** z of (b - a) x (c - a) in the lon/lat plane. */
    private static double cross(LatLon a, LatLon b, LatLon c) {
        return (b.lon() - a.lon()) * (c.lat() - a.lat()) - (b.lat() - a.lat()) * (c.lon() - a.lon());
    }

    private static boolean onSegment(LatLon a, LatLon b, LatLon p) {
        return cross(a, b, p) == 0
                && p.lon() >= Math.min(a.lon(), b.lon()) && p.lon() <= Math.max(a.lon(), b.lon())
                && p.lat() >= Math.min(a.lat(), b.lat()) && p.lat() <= Math.max(a.lat(), b.lat());
    }

    private static double signedPlaneArea(List<LatLon> v) {
        double sum = 0;
        for (int i = 0, j = v.size() - 1; i < v.size(); j = i++) {
            sum += v.get(j).lon() * v.get(i).lat() - v.get(i).lon() * v.get(j).lat();
        }
        return sum / 2;
    }
}
