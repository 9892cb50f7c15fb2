package io.edgeauth.broker.audit.anomaly;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.edgeauth.geo.BoundingBox;
import io.edgeauth.geo.GeoHash;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Flags a principal (device or wallet) that authenticates from a GeoHash cell too far from its previous one for the
 * time between. The distance is 0 for cells that touch (an edge or a corner: before 2026-12-07 corner neighbours
 * came out a rounding residue above 0 and were flagged as "infinite" speed within a second, tour Y, Y4), else an
 * approximate lower bound: centre to centre minus both cells' half-diagonals (a coarse cell says little about where
 * inside it the principal was), so only journeys that are impossible wherever in the two cells the principal stood
 * are flagged. Remembers the last cell of up to {@code maxPrincipals} principals for a day.
 * Thread-safe.
 */
public final class ImpossibleTravel {
    private static final double EARTH_RADIUS_KM = 6371.0088;

    /** A journey faster than allowed. */
    public record Flag(String from, String to, double km, long seconds, double kmh) {
    }

    private record Sighting(String cell, Instant at) {
    }

    private final double maxKmh;
    private final Cache<String, Sighting> last;

    /** @param maxKmh the fastest plausible journey in km/h (e.g. 1000: an airliner) */
    public ImpossibleTravel(double maxKmh, long maxPrincipals) {
        if (!(maxKmh > 0)) {
            throw new IllegalArgumentException("max travel speed must be positive, got " + maxKmh);
        }
        this.maxKmh = maxKmh;
        this.last = Caffeine.newBuilder().executor(Runnable::run) // maintenance on the caller: no common-pool wake-up
                .maximumSize(maxPrincipals).expireAfterAccess(Duration.ofDays(1)).build();
    }

    /** Records that {@code principal} authenticated in {@code cell} at {@code at}; a flag if that was impossible. */
    public Optional<Flag> observe(String principal, String cell, Instant at) {
        if (principal == null || cell == null || !GeoHash.isValid(cell)) {
            return Optional.empty();
        }
        String normalized = GeoHash.normalize(cell);
        Sighting before = last.asMap().put(principal, new Sighting(normalized, at));
        if (before == null) {
            return Optional.empty();
        }
        double km = minimumKm(before.cell(), normalized);
        long seconds = Math.max(0, Duration.between(before.at(), at).toSeconds());
        if (km <= 0) {
            return Optional.empty();
        }
        double kmh = seconds == 0 ? Double.POSITIVE_INFINITY : km / (seconds / 3600.0);
        return kmh > maxKmh ? Optional.of(new Flag(before.cell(), normalized, km, seconds, kmh)) : Optional.empty();
    }

    /** The least distance between any point of cell {@code a} and any point of cell {@code b}, in km (bounded below by 0). */
    static double minimumKm(String a, String b) {
        BoundingBox ba = GeoHash.decode(a);
        BoundingBox bb = GeoHash.decode(b);
        if (touch(ba, bb)) {
            return 0; // the same cell, one inside the other, or neighbours by an edge or a corner: no journey at all
        }
        double centres = km(ba.centre().lat(), ba.centre().lon(), bb.centre().lat(), bb.centre().lon());
        return Math.max(0, centres - halfDiagonalKm(ba) - halfDiagonalKm(bb));
    }

    /**
     * Whether two cells share at least a point: their latitude spans meet and their longitude spans meet, also across
     * the antimeridian. GeoHash boxes are halvings of the world, exact in binary, so equal edges compare equal.
     */
    static boolean touch(BoundingBox a, BoundingBox b) {
        boolean lat = a.minLat() <= b.maxLat() && b.minLat() <= a.maxLat();
        boolean lon = a.minLon() <= b.maxLon() && b.minLon() <= a.maxLon()
                || a.minLon() == -180 && b.maxLon() == 180 || b.minLon() == -180 && a.maxLon() == 180;
        return lat && lon;
    }

    private static double halfDiagonalKm(BoundingBox b) {
        return km(b.minLat(), b.minLon(), b.maxLat(), b.maxLon()) / 2;
    }

    /** Great-circle distance (haversine). */
    static double km(double lat1, double lon1, double lat2, double lon2) {
        double dLat = Math.toRadians(lat2 - lat1);
        double dLon = Math.toRadians(lon2 - lon1);
        double h = Math.pow(Math.sin(dLat / 2), 2)
                + Math.cos(Math.toRadians(lat1)) * Math.cos(Math.toRadians(lat2)) * Math.pow(Math.sin(dLon / 2), 2);
        return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
    }
}
