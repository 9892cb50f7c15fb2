package io.edgeauth.broker.bench;

import io.edgeauth.broker.registry.Device;
import io.edgeauth.broker.registry.DevicePage;
import io.edgeauth.broker.registry.DeviceRegistry;
import io.edgeauth.broker.store.Store;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * What the device listing costs ({@code GET /admin/devices}): the heap of N device records in the registry's mirror
 * against the same records in a bare ConcurrentHashMap by id with the owner index (what the mirror was before the
 * listing), the CPU of putting them in each way, the heap and CPU of the sorted snapshot a walk's first page takes
 * after a change, and the CPU of one page of the listing (100 and 1,000 records, from random cursors; all devices and
 * one tenant's, a tenth of them). The records go into a {@link DeviceRegistry} on a store that keeps nothing, so the
 * heap is the mirror's. Prints one line.
 * usage: java -Xmx4g -cp ... io.edgeauth.broker.bench.DeviceListingBench [devices, default 1000000] [owners: 0 none,
 * else devices per owner, default 0]
 */
public final class DeviceListingBench {
    private DeviceListingBench() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int perOwner = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        long empty = usedAfterGc();
        Device[] devices = new Device[n];
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < n; i++) { // in random id order, as a fleet registers
            devices[i] = device(i, perOwner, random);
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            Device t = devices[i];
            devices[i] = devices[j];
            devices[j] = t;
        }

        long base = usedAfterGc();
        long records = base - empty;
        long t0 = cpu.getCurrentThreadCpuTime();
        Map<String, Device> byId = new ConcurrentHashMap<>();
        Map<String, Set<String>> byOwner = new ConcurrentHashMap<>();
        for (Device d : devices) { // the former mirror's replace of a new id
            byId.put(d.id(), d);
            if (d.owner() != null) {
                byOwner.computeIfAbsent(d.owner(), o -> ConcurrentHashMap.newKeySet()).add(d.id());
            }
        }
        long formerCpu = cpu.getCurrentThreadCpuTime() - t0;
        long former = usedAfterGc() - base;
        byId.size();
        byOwner.size();
        byId = null;
        byOwner = null;

        base = usedAfterGc();
        t0 = cpu.getCurrentThreadCpuTime();
        DeviceRegistry registry = new DeviceRegistry(new NothingKept());
        for (Device d : devices) {
            registry.register(d);
        }
        long registryCpu = cpu.getCurrentThreadCpuTime() - t0;
        long indexed = usedAfterGc() - base;

        // a walk's first page after a change takes a fresh sorted snapshot of the ids
        long beforeSnapshot = usedAfterGc();
        long s0 = cpu.getCurrentThreadCpuTime();
        registry.list(null, null, null, 100);
        long snapshotCpu = cpu.getCurrentThreadCpuTime() - s0;
        long snapshotBytes = usedAfterGc() - beforeSnapshot;
        String[] cursors = new String[4096];
        for (int i = 0; i < cursors.length; i++) {
            cursors[i] = devices[random.nextInt(n)].id();
        }
        StringBuilder pages = new StringBuilder();
        for (int limit : new int[] {100, 1_000}) {
            for (String tenant : new String[] {null, "acme"}) {
                int rounds = limit == 100 ? 40_000 : 4_000;
                page(registry, cursors, tenant, limit, rounds / 4); // warm-up
                long p0 = cpu.getCurrentThreadCpuTime();
                long listed = page(registry, cursors, tenant, limit, rounds);
                long each = (cpu.getCurrentThreadCpuTime() - p0) / rounds;
                pages.append(String.format(" page_%d_%s_us=%.1f", limit, tenant == null ? "all" : "tenant", each / 1e3));
                if (listed == 0) {
                    throw new IllegalStateException("nothing listed");
                }
            }
        }
        long w0 = cpu.getCurrentThreadCpuTime();
        long walked = 0;
        String after = null;
        do {
            DevicePage page = registry.list(null, null, after, 1_000);
            walked += page.devices().size();
            after = page.next();
        } while (after != null);
        long walkCpu = cpu.getCurrentThreadCpuTime() - w0;
        if (walked != n) {
            throw new IllegalStateException("walked " + walked + " of " + n);
        }
        System.out.printf("device_listing devices=%d per_owner=%d record_bytes/device=%d bare_map_bytes/device=%d"
                        + " mirror_bytes/device=%d former_put_us=%.2f registry_register_us=%.2f snapshot_ms=%d"
                        + " snapshot_bytes/device=%d%s walk_all_ms=%d jvm=%s%n",
                n, perOwner, records / n, former / n, indexed / n, formerCpu / 1e3 / n, registryCpu / 1e3 / n,
                snapshotCpu / 1_000_000, snapshotBytes / n, pages, walkCpu / 1_000_000, Runtime.version());
        registry.size();
    }

    private static long page(DeviceRegistry registry, String[] cursors, String tenant, int limit, int rounds) {
        long listed = 0;
        for (int i = 0; i < rounds; i++) {
            listed += registry.list(tenant, null, cursors[i & (cursors.length - 1)], limit).devices().size();
        }
        return listed;
    }

    /** A record like an imported one: a 43-character thumbprint, a tenant (one in ten: acme), no region. */
    private static Device device(int i, int perOwner, SplittableRandom random) {
        StringBuilder x5t = new StringBuilder(43);
        for (int c = 0; c < 43; c++) {
            x5t.append("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".charAt(random.nextInt(64)));
        }
        String owner = perOwner == 0 ? null : String.format("did:pkh:eip155:1:0x%040x", i / perOwner);
        return new Device(String.format("dev-%07d", i), i % 10 == 0 ? "acme" : "default",
                new Device.Credential(Device.CredentialType.X5T_S256, x5t.toString()), List.of(), null, owner,
                Instant.ofEpochSecond(1_765_000_000L + i));
    }

    private static long usedAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** A store that keeps nothing: the registry's writes complete at once, its heap is its mirror's. */
    private static final class NothingKept implements Store {
        @Override
        public Optional<byte[]> get(String space, String key) {
            return Optional.empty();
        }

        @Override
        public void put(String space, String key, byte[] value, Instant expiresAt) {
        }

        @Override
        public boolean putIfAbsent(String space, String key, byte[] value, Instant expiresAt) {
            return true;
        }

        @Override
        public Optional<byte[]> take(String space, String key) {
            return Optional.empty();
        }

        @Override
        public boolean remove(String space, String key) {
            return false;
        }

        @Override
        public void forEach(String space, BiConsumer<String, byte[]> action) {
        }

        @Override
        public long prune(Instant now) {
            return 0;
        }

        @Override
        public void close() {
        }
    }
}
