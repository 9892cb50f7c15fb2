package io.edgeauth.geo;

import io.edgeauth.geo.internal.Checks;

/**
 * A WGS84 point in decimal degrees. Immutable and thread-safe.
 *
 * @param lat latitude in [-90, 90]
 * @param lon longitude in [-180, 180]
 */
public record LatLon(double lat, double lon) {
    /** @throws IllegalArgumentException if a value is NaN, infinite or out of range, naming it */
    public LatLon {
        Checks.latitude(lat);
        Checks.longitude(lon);
    }

    public static LatLon of(double lat, double lon) {
        return new LatLon(lat, lon);
    }
}
