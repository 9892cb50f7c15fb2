package io.edgeauth.geo.bench;

import io.edgeauth.geo.BoundingBox;
import io.edgeauth.geo.GeoHash;
import io.edgeauth.geo.RegionSet;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Hot paths of the broker's geo check: encode, decode, and membership in a 10,000-cell RegionSet.
 * Inputs cycle through 4,096 pre-generated random values so the JIT cannot constant-fold them.
 * Run: {@code bench/jmh geo GeoBenchmark -f 1 -wi 2 -i 3 -r 1s}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class GeoBenchmark {
    private static final int N = 4096;

    private final double[] lats = new double[N];
    private final double[] lons = new double[N];
    private final String[] cells = new String[N];
    private RegionSet region;
    private int i;

    @Setup
    public void setUp() {
        Random rnd = new Random(1);
        List<String> members = new ArrayList<>();
        // 10,000 cells of precision 4..7 around Europe, so about half the queries below hit
        while (members.size() < 10_000) {
            members.add(GeoHash.encode(35 + rnd.nextDouble() * 30, -10 + rnd.nextDouble() * 40, 4 + rnd.nextInt(4)));
        }
        region = RegionSet.of(members);
        for (int k = 0; k < N; k++) {
            lats[k] = 35 + rnd.nextDouble() * 30;
            lons[k] = -10 + rnd.nextDouble() * 40;
            cells[k] = GeoHash.encode(lats[k], lons[k], 1 + rnd.nextInt(12));
        }
    }

    private int next() {
        return i = (i + 1) & (N - 1);
    }

    @Benchmark
    public String encode12() {
        int k = next();
        return GeoHash.encode(lats[k], lons[k], 12);
    }

    @Benchmark
    public BoundingBox decode() {
        return GeoHash.decode(cells[next()]);
    }

    @Benchmark
    public boolean regionContainsPoint() {
        int k = next();
        return region.contains(lats[k], lons[k]);
    }

    @Benchmark
    public boolean regionContainsCell() {
        return region.contains(cells[next()]);
    }

    @Benchmark
    public boolean regionOverlapsCell() {
        return region.overlaps(cells[next()]);
    }
}
