package io.edgeauth.broker.bench;

import io.edgeauth.broker.provisioning.DeviceIdRule;
import io.edgeauth.broker.provisioning.FleetCa;
import io.edgeauth.broker.provisioning.FleetPki;
import io.edgeauth.broker.provisioning.ListedCertificates;
import io.edgeauth.broker.revocation.RevocationService;
import io.edgeauth.broker.store.MvStoreStore;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.security.auth.x500.X500Principal;

/**
 * What a fleet CA's new CRL costs the node that puts it in force ({@link ListedCertificates}): {@code devices}
 * provisioning marks of one CA in the embedded store, reopened as after a restart, then a CRL that newly lists one of
 * them, five times. One line: the CPU and wall time of each scan (it reads every mark: the store keeps no index by
 * CA). Run: {@code bench/crl-scan [devices, default 1000000]}.
 */
public final class CrlScanBench {
    private CrlScanBench() {
    }

    public static void main(String[] args) throws Exception {
        int devices = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path dir = Files.createTempDirectory("crl-scan");
        Path file = dir.resolve("state.mv.db");
        Clock clock = Clock.systemUTC();
        FleetPki pki = new FleetPki("crl-scan fleet CA");
        FleetPki.Issued listed = pki.device("dev-listed");
        String issuer = pki.caCertificate().getSubjectX500Principal().getName(X500Principal.RFC2253);
        try (MvStoreStore store = new MvStoreStore(file, clock)) {
            List<CompletableFuture<Void>> pending = new ArrayList<>();
            for (int i = 0; i < devices; i++) {
                String serial = i == devices / 2 ? listed.cert().getSerialNumber().toString(16)
                        : Long.toHexString(0x10000000L + i);
                // the mark's layout (CertificateMark): CA id, serial, notBefore, issuer
                byte[] mark = ("ca:scan\n" + serial + "\n@1765000000\n" + issuer).getBytes(StandardCharsets.UTF_8);
                pending.add(store.putAsync("provisioned-by", String.format("dev-%08d", i), mark, null));
                if (pending.size() >= 4096) {
                    pending.forEach(CompletableFuture::join);
                    pending.clear();
                }
            }
            pending.forEach(CompletableFuture::join);
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        StringBuilder cpu = new StringBuilder();
        StringBuilder wall = new StringBuilder();
        int revoked = 0;
        try (MvStoreStore store = new MvStoreStore(file, clock)) {
            ListedCertificates scan = new ListedCertificates(store,
                    new RevocationService(store, clock, Duration.ofMinutes(10), Duration.ofSeconds(30)), id -> java.util.Optional.empty());
            FleetCa after = ca(pki, pki.crl(listed.cert()));
            for (int i = 0; i < 5; i++) {
                long cpuBefore = threads.getCurrentThreadCpuTime();
                long wallBefore = System.nanoTime();
                revoked = scan.revokeNewlyListed(ca(pki, pki.crl()), after);
                cpu.append(i == 0 ? "" : ",").append((threads.getCurrentThreadCpuTime() - cpuBefore) / 1_000_000);
                wall.append(i == 0 ? "" : ",").append((System.nanoTime() - wallBefore) / 1_000_000);
            }
        }
        System.out.printf("crl_scan marks=%d devices_revoked=%d scan_cpu_ms=%s scan_wall_ms=%s%n", devices, revoked, cpu,
                wall);
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static FleetCa ca(FleetPki pki, java.security.cert.X509CRL crl) {
        return new FleetCa("scan", "default", pki.caCertificate(), List.of(crl), DeviceIdRule.parse("subject-cn"),
                "default");
    }
}
