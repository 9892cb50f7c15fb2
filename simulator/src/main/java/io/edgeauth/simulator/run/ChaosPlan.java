package io.edgeauth.simulator.run;

import java.util.List;

/**
 * Which devices of the fleet are chaos devices, and of which kind: a pure function of the device index
 * (a SplitMix64 hash), so every shard and every re-run agrees, and a share {@code s} picks about
 * {@code s} of any range of indices.
 *
 * @param share fraction of devices that misbehave, in [0, 1]
 * @param kinds the kinds to spread them over (round robin by hash)
 */
public record ChaosPlan(double share, List<ChaosKind> kinds) {
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
