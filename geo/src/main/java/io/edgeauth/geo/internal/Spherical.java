package io.edgeauth.geo.internal;

/**
 * Spherical-earth geometry (mean radius, haversine). Good to ~0.5% against WGS84, which is ample
 * for region claims. Angles in degrees unless a name says radians. Stateless, thread-safe.
 */
public final class Spherical {
    /** IUGG mean earth radius in metres. */
    public static final double EARTH_RADIUS_M = 6_371_008.8;

    private Spherical() {
    }

    /** Great-circle distance in metres (haversine). */
    public static double distance(double lat1, double lon1, double lat2, double lon2) {
        double p1 = Math.toRadians(lat1);
        double p2 = Math.toRadians(lat2);
        double dp = p2 - p1;
        double dl = Math.toRadians(lon2 - lon1);
        double h = sq(Math.sin(dp / 2)) + Math.cos(p1) * Math.cos(p2) * sq(Math.sin(dl / 2));
        return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1.0, Math.sqrt(h)));
    }

    /** Area in m^2 of the lat/lon rectangle (exact on the sphere). */
    public static double boxArea(double minLat, double maxLat, double minLon, double maxLon) {
        return EARTH_RADIUS_M * EARTH_RADIUS_M * Math.toRadians(maxLon - minLon)
                * (Math.sin(Math.toRadians(maxLat)) - Math.sin(Math.toRadians(minLat)));
    }

    /** Area in m^2 of a spherical cap of the given radius (metres along the surface). */
    public static double capArea(double radiusM) {
        double angle = Math.min(Math.PI, radiusM / EARTH_RADIUS_M);
        return 2 * Math.PI * EARTH_RADIUS_M * EARTH_RADIUS_M * (1 - Math.cos(angle));
    }

    /**
     * Latitude (degrees, possibly beyond +-90 when the meridian is more than 90 degrees away) of
     * the point on the great circle through meridian {@code lon} nearest to (lat0, lon0).
     */
    public static double nearestLatOnMeridian(double lat0, double lon0, double lon) {
        double p = Math.toRadians(lat0);
        return Math.toDegrees(Math.atan2(Math.sin(p), Math.cos(p) * Math.cos(Math.toRadians(lon - lon0))));
    }

    private static double sq(double x) {
        return x * x;
    }
}
