package io.edgeauth.broker.bench;

import io.edgeauth.broker.store.MvStoreStore;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The embedded store's minute prune with a fleet in it: {@code devices} device records (300 bytes, no expiry), as
 * many provisioning marks (100 bytes, no expiry) and one used assertion id per ten devices (an hour to live), the
 * store reopened as after a restart, then pruned five times. Prints the CPU of the first prune after the start
 * (which reads every map) and of the later ones (which read only the maps written with an expiry since).
 * Run: {@code bench/store-prune [devices, default 1000000]}.
 */
public final class StorePruneBench {
    private StorePruneBench() {
    }

    public static void main(String[] args) throws Exception {
        int devices = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path dir = Files.createTempDirectory("store-prune");
        Path file = dir.resolve("state.mv.db");
        Clock clock = Clock.systemUTC();
        try (MvStoreStore store = new MvStoreStore(file, clock)) {
            List<CompletableFuture<Void>> pending = new ArrayList<>();
            for (int i = 0; i < devices; i++) {
                String id = String.format("dev-%08d", i);
                pending.add(store.putAsync("devices", id, new byte[300], null));
                pending.add(store.putAsync("provisioned-by", id, new byte[100], null));
                if (i % 10 == 0) {
                    pending.add(store.putAsync("assertion-jti", id, new byte[1], clock.instant().plusSeconds(3600)));
                }
                if (pending.size() >= 4096) {
                    pending.forEach(CompletableFuture::join);
                    pending.clear();
                }
            }
            pending.forEach(CompletableFuture::join);
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        double first = 0;
        double later = 0;
        try (MvStoreStore store = new MvStoreStore(file, clock)) {
            for (int i = 0; i < 5; i++) {
                long before = threads.getCurrentThreadCpuTime();
                store.prune(clock.instant());
                double ms = (threads.getCurrentThreadCpuTime() - before) / 1e6;
                if (i == 0) {
                    first = ms;
                } else {
                    later += ms / 4;
                }
            }
        }
        System.out.printf("store_prune devices=%d entries=%d file_mb=%.0f first_prune_cpu_ms=%.1f"
                        + " later_prune_cpu_ms=%.1f%n", devices, 2L * devices + (devices + 9) / 10,
                Files.size(file) / 1e6, first, later);
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
