package io.edgeauth.geo;

import io.edgeauth.geo.internal.Spherical;

/**
 * All points within {@code radiusMetres} (great-circle, haversine on a sphere of mean earth radius)
 * of {@code centre}. Immutable and thread-safe.
 *
 * @param centre centre point
 * @param radiusMetres radius, finite and &gt; 0
 */
public record Circle(LatLon centre, double radiusMetres) implements Shape {

    public Circle {
        if (centre == null) {
            throw new IllegalArgumentException("centre must not be null");
        }
        if (!Double.isFinite(radiusMetres) || radiusMetres <= 0) {
            throw new IllegalArgumentException("radius must be a finite number > 0 metres, got " + radiusMetres);
        }
    }

    @Override
    public boolean contains(LatLon p) {
        return distanceTo(p.lat(), p.lon()) <= radiusMetres;
    }

    @Override
    public double areaSquareMetres() {
        return Spherical.capArea(radiusMetres);
    }

    @Override
    public Relation relate(BoundingBox cell) {
        if (minDistance(cell) > radiusMetres) {
            return Relation.DISJOINT;
        }
        return maxDistance(cell) <= radiusMetres ? Relation.INSIDE : Relation.PARTIAL;
    }

    private double distanceTo(double lat, double lon) {
        return Spherical.distance(centre.lat(), centre.lon(), lat, lon);
    }

    private boolean lonInside(double lon, BoundingBox b) {
        return lon >= b.minLon() && lon <= b.maxLon();
    }

    /**
     * Nearest point of the box. With the centre's meridian crossing the box it lies on that
     * meridian; otherwise it lies on one of the two meridian edges (parallels are not great
     * circles, so their nearest point to an outside centre is always an end).
     */
    private double minDistance(BoundingBox b) {
        double lat = centre.lat();
        if (lonInside(centre.lon(), b)) {
            return lat >= b.minLat() && lat <= b.maxLat() ? 0.0
                    : distanceTo(Math.max(b.minLat(), Math.min(b.maxLat(), lat)), centre.lon());
        }
        return Math.min(distanceToMeridianEdge(b, b.minLon()), distanceToMeridianEdge(b, b.maxLon()));
    }

    /**
     * Along a meridian edge the distance has one minimum (the foot of the perpendicular) and one maximum on the whole
     * great circle; when the foot lies beyond +-90 (the meridian is more than 90 degrees away) the edge may hold the
     * maximum instead, and clamping the foot then picks the farthest point. The nearest point is the clamped foot or
     * an end, whichever is nearer (before 2026-12-07 only the clamped foot: tour Y, Y12).
     */
    private double distanceToMeridianEdge(BoundingBox b, double lon) {
        double nearest = Spherical.nearestLatOnMeridian(centre.lat(), centre.lon(), lon);
        double foot = distanceTo(Math.max(b.minLat(), Math.min(b.maxLat(), nearest)), lon);
        return Math.min(foot, Math.min(distanceTo(b.minLat(), lon), distanceTo(b.maxLat(), lon)));
    }

    /**
     * Farthest point of the box: the distance has no local maximum but the antipode, so it is a
     * corner, the antipodal meridian on a parallel edge, or the far point on a meridian edge.
     */
    private double maxDistance(BoundingBox b) {
        double antiLon = centre.lon() > 0 ? centre.lon() - 180.0 : centre.lon() + 180.0;
        double max = 0;
        for (double lon : new double[] {b.minLon(), b.maxLon()}) {
            max = Math.max(max, Math.max(distanceTo(b.minLat(), lon), distanceTo(b.maxLat(), lon)));
            double far = Spherical.nearestLatOnMeridian(centre.lat(), centre.lon(), lon);
            far = far > 0 ? far - 180.0 : far + 180.0;
            if (far >= b.minLat() && far <= b.maxLat()) {
                max = Math.max(max, distanceTo(far, lon));
            }
        }
        // -180 and 180 are the same meridian, so test the antipodal longitude in both spellings
        for (double lon : new double[] {antiLon, antiLon + 360.0, antiLon - 360.0}) {
            if (lonInside(lon, b)) {
                max = Math.max(max, Math.max(distanceTo(b.minLat(), lon), distanceTo(b.maxLat(), lon)));
                if (-centre.lat() >= b.minLat() && -centre.lat() <= b.maxLat()) {
                    max = Math.max(max, distanceTo(-centre.lat(), lon)); // the antipode itself: missed before (Y12)
                }
            }
        }
        return max;
    }
}
