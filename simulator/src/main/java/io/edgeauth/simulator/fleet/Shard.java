package io.edgeauth.simulator.fleet;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Shard {@code index} of {@code count} of a fleet of {@code devices}: the contiguous device indices
 * {@code [start, end)} with {@code start = floor(index * devices / count)}. Consecutive shards meet
 * exactly (shard k's end is shard k+1's start), the first starts at 0 and the last ends at
 * {@code devices}: no overlap, no gap, sizes differ by at most one.
 *
 * @param index 0-based shard number
 * @param count number of shards
 */
public record Shard(int index, int count) {
    private static final Pattern SPEC = Pattern.compile("(\\d{1,6})/(\\d{1,6})");

    /** The whole fleet in one process. */
    public static final Shard ALL = new Shard(0, 1);

    public Shard {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("shard must be i/n with 0 <= i < n, got " + index + "/" + count);
        }
    }

    /** Parses {@code i/n}. */
    public static Shard parse(String spec) {
        Matcher m = SPEC.matcher(spec == null ? "" : spec.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("shard must be i/n (e.g. 0/4), got '" + spec + "'");
        }
        return new Shard(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    /** First device index of this shard. */
    public long start(long devices) {
        return Math.multiplyExact(devices, (long) index) / count;
    }

    /** One past the last device index of this shard. */
    public long end(long devices) {
        return Math.multiplyExact(devices, (long) index + 1) / count;
    }

    public long size(long devices) {
        return end(devices) - start(devices);
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }
}
