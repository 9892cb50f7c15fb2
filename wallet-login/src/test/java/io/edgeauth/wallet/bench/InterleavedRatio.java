package io.edgeauth.wallet.bench;

import java.util.Arrays;
import java.util.concurrent.Callable;

/**
 * Ratio of full verification to bare native recovery, measured in alternating 100 ms slices so
 * both see the same machine load. Why: on a shared 2-core machine, sequential JMH runs of the two
 * benchmarks can see very different background load, which swamps a ratio. This is a sanity check
 * next to {@link SiweBenchmark}, not a replacement (no JMH forking or blackholes; results are
 * consumed into a checksum instead).
 *
 * <p>Run: {@code java -cp <test classpath> io.edgeauth.wallet.bench.InterleavedRatio [rounds]}
 */
public final class InterleavedRatio {
    private static long sink;

    private InterleavedRatio() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        SiweBenchmark b = new SiweBenchmark();
        b.setUp();
        Callable<Object> full = b::fullVerificationNative;
        Callable<Object> bare = b::bareNativeRecovery;
        for (int i = 0; i < 20; i++) { // warm-up: let the JIT compile both paths
            slice(full, 100);
            slice(bare, 100);
        }
        double[] fullRates = new double[rounds];
        double[] bareRates = new double[rounds];
        double[] ratios = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            // alternate which one goes first so a load change mid-round does not favour either
            if ((r & 1) == 0) {
                fullRates[r] = slice(full, 100);
                bareRates[r] = slice(bare, 100);
            } else {
                bareRates[r] = slice(bare, 100);
                fullRates[r] = slice(full, 100);
            }
            ratios[r] = fullRates[r] / bareRates[r];
        }
        System.out.printf("full verification (native): median %.0f ops/s, best %.0f ops/s%n", median(fullRates), max(fullRates));
        System.out.printf("bare native recovery:       median %.0f ops/s, best %.0f ops/s%n", median(bareRates), max(bareRates));
        System.out.printf("ratio full/bare-native: median %.3f over %d interleaved rounds (checksum %d)%n",
                median(ratios), rounds, sink);
    }

    private static double slice(Callable<Object> op, long millis) throws Exception {
        long end = System.nanoTime() + millis * 1_000_000L;
        long start = System.nanoTime();
        long n = 0;
        long now;
        do {
            sink += System.identityHashCode(op.call());
            n++;
            now = System.nanoTime();
        } while (now < end);
        return n / ((now - start) / 1e9);
    }

    private static double median(double[] a) {
        double[] c = a.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    private static double max(double[] a) {
        return Arrays.stream(a).max().orElse(0);
    }
}
