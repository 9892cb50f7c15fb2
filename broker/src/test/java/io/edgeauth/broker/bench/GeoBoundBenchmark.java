package io.edgeauth.broker.bench;

import io.edgeauth.broker.policy.GeoPolicy;
import io.edgeauth.broker.refusal.TokenRejectedException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The cells in force for a device whose token carries its registered region (the broker's own tokens do), bounded by
 * that region: what each CONNECT, renewal and CoAP token upload of such a device pays, by region size (the registry
 * allows 1,000 cells). Run: {@code bench/jmh broker GeoBoundBenchmark -f 1 -wi 2 -i 3 -r 1s}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class GeoBoundBenchmark {
    private static final String ALPHABET = "0123456789bcdefghjkmnpqrstuvwxyz";

    @Param({"1", "10", "1000"})
    public int cells;

    private final GeoPolicy policy = new GeoPolicy("");
    private List<String> region;

    @Setup
    public void setUp() {
        region = new ArrayList<>();
        for (int i = 0; region.size() < cells; i++) {
            region.add("u3" + ALPHABET.charAt(i / 32 % 32) + ALPHABET.charAt(i % 32));
        }
    }

    @Benchmark
    public List<String> tokenBoundByItsOwnRegion() throws TokenRejectedException {
        return policy.cellsInForce(region, null, region);
    }
}
