package io.edgeauth.simulator.run;

import java.util.List;

/**
 * Which devices of the fleet are chaos devices, and of which kind: a pure function of the device index
 * (a SplitMix64 hash), so every shard and every re-run agrees, and a share {@code s} picks about
 * {@code s} of any range of indices.
 *
 * @param share        fraction of devices that misbehave, in [0, 1]
 * @param kinds        the kinds to spread them over (round robin by hash)
 * @param brokerRegion the GeoHash cell the broker node serves ({@code region.geohash}), for wrong-region devices;
 *                     null when not given
 */
public record ChaosPlan(double share, List<ChaosKind> kinds, String brokerRegion) {
    /** No chaos. */
    public static final ChaosPlan NONE = new ChaosPlan(0, List.of());

    public ChaosPlan {
        if (!(share >= 0 && share <= 1)) {
            throw new IllegalArgumentException("chaos share must be in [0, 1], got " + share);
        }
        kinds = List.copyOf(kinds);
        if (share > 0 && kinds.isEmpty()) {
            throw new IllegalArgumentException("a chaos share needs at least one chaos kind");
        }
        if (brokerRegion != null && !io.edgeauth.geo.GeoHash.isValid(brokerRegion)) {
            throw new IllegalArgumentException("--broker-region must be a GeoHash cell (1-12 of 0-9 b-h j k m n p-z), got '"
                    + brokerRegion + "'");
        }
        brokerRegion = brokerRegion == null ? null : brokerRegion.toLowerCase(java.util.Locale.ROOT);
    }

    public ChaosPlan(double share, List<ChaosKind> kinds) {
        this(share, kinds, null);
    }

    /**
     * A cell that does not overlap the broker's (neither is a prefix of the other): the region a wrong-region device
     * is registered in. One character is enough: the broker's cell starts with another.
     */
    public String foreignCell() {
        if (brokerRegion == null) {
            throw new IllegalStateException("wrong-region devices need the broker's region (--broker-region)");
        }
        return brokerRegion.charAt(0) == 's' ? "u" : "s";
    }

    /** The kind of device {@code index}, or null for an honest device. */
    public ChaosKind kindOf(long index) {
        if (share == 0) {
            return null;
        }
        long h = mix(index);
        double u = (h >>> 11) * 0x1.0p-53;
        if (u >= share) {
            return null;
        }
        return kinds.get((int) Long.remainderUnsigned(mix(h), kinds.size()));
    }

    private static long mix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
