package io.edgeauth.broker.bench;

import io.edgeauth.broker.oauth.StoreReplayGuard;
import io.edgeauth.broker.store.MvStoreStore;
import io.edgeauth.broker.token.ReplayGuard;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The assertion replay guard on the embedded store, as the token endpoint drives it: many threads, each
 * {@code firstUse} answered after the group commit that covers it. Its keys ordered by expiry (since 2026-12-05)
 * against the previous layout, issuer and jti alone, replayed here through the store as that guard wrote them; with
 * device ids that are random (UUIDs, serial numbers) and sequential ({@code bench/onboarding}'s). Prints the
 * process CPU per guarded assertion and the store file's size, one line per variant and round.
 * Run: {@code bench/replay-guard [assertions per run, default 200000] [threads, default 32] [rounds, default 2]}.
 */
public final class ReplayGuardBench {
    private ReplayGuardBench() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        for (int round = 1; round <= rounds; round++) {
            for (boolean randomIds : new boolean[] {true, false}) {
                for (boolean ordered : new boolean[] {false, true}) {
                    run(round, n, threads, randomIds, ordered);
                }
            }
        }
    }

    private static void run(int round, int n, int threads, boolean randomIds, boolean ordered) throws Exception {
        Path dir = Files.createTempDirectory("replay-guard");
        Clock clock = Clock.systemUTC();
        try (MvStoreStore store = new MvStoreStore(dir.resolve("s.mv"), clock)) {
            ReplayGuard guard = ordered ? new StoreReplayGuard(store, clock)
                    : (key, exp) -> store.putIfAbsent("assertion-jti", key, new byte[] {1}, exp);
            AtomicInteger next = new AtomicInteger();
            List<Thread> workers = new ArrayList<>();
            long cpu0 = processCpuNanos();
            long t0 = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                Thread w = new Thread(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < n) {
                        String device = randomIds ? UUID.randomUUID().toString() : String.format("ob-%07d", i);
                        Instant exp = Instant.now().plusSeconds(60);
                        if (!guard.firstUse(device + '\u0000' + UUID.randomUUID(), exp)) {
                            throw new IllegalStateException("a fresh jti was refused");
                        }
                    }
                });
                w.start();
                workers.add(w);
            }
            for (Thread w : workers) {
                w.join();
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            double cpuUs = (processCpuNanos() - cpu0) / 1e3 / n;
            System.out.printf("replay-guard round=%d ids=%s keys=%s assertions=%d per_s=%.0f cpu_us/assertion=%.1f "
                            + "commits=%d file_mb=%.1f%n", round, randomIds ? "random" : "sequential",
                    ordered ? "expiry-first" : "previous", n, n / wall, cpuUs, store.commitCount(),
                    Files.size(dir.resolve("s.mv")) / 1e6);
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
