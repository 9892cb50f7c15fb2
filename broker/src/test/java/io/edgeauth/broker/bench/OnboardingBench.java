package io.edgeauth.broker.bench;

import io.edgeauth.broker.crypto.CryptoProviders;
import io.edgeauth.broker.provisioning.BulkImportClient;
import io.edgeauth.broker.provisioning.FleetPki;
import io.edgeauth.broker.testsupport.BrokerProcess;
import io.edgeauth.broker.testsupport.TestBrokers;
import java.io.BufferedWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Zero-touch onboarding end to end, load client and broker in separate processes: N devices new to the
 * broker, each with a key certified by a fleet CA the broker trusts: ES256 assertion with {@code x5c} ->
 * {@code /oauth/token} (chain validated, record created on first use, token issued) -> MQTT 5 CONNECT with
 * the token -> one QoS 1 PUBLISH acknowledged. Reports devices/s, p50/p99 per stage, the broker's CPU per
 * device (/proc), the EC crypto floor of the broker's part measured here in the same run (2 ES256 verifies:
 * certificate, assertion; 1 ES256 sign: the token; ACCP as the broker uses; the token at CONNECT is the one the
 * broker has just signed, remembered as verified, so it needs no third verify), their ratio,
 * Vert.x blocked-thread warnings in the broker's log. Then the same devices re-connect with the tokens they
 * cached (CONNECT -> QoS 1 PUBLISH acknowledged), again after a restart of the broker (its token verification
 * cache empty; the warm-up devices re-connect first so the JIT is warm), and bulk import of IMPORT_RECORDS new records on the same
 * broker (records/s, broker CPU per record, the broker's peak RSS). The client's CPU per device is reported
 * beside the broker's (the load client must not be the bottleneck); generating the devices' keys and
 * certificates happens before any timing and is reported on its own.
 * usage: OnboardingBench DEVICES CONCURRENCY IMPORT_RECORDS WORKDIR
 */
public final class OnboardingBench {
    /** Devices onboarded (and re-connected) before the measured phases: JIT on both sides, not counted. */
    private static final int WARM_UP_DEVICES = Integer.getInteger("bench.warmUpDevices", 1000);

    private OnboardingBench() {
    }

    public static void main(String[] args) throws Exception {
        int devices = Integer.parseInt(args[0]);
        int concurrency = Integer.parseInt(args[1]);
        int importRecords = Integer.parseInt(args[2]);
        Path work = Path.of(args[3]);
        FleetPki pki = new FleetPki("bench fleet CA");
        // in a folder of its own, as an operator keeps it: the broker watches the CA file's folder, and the run's logs
        // and audit file are written beside it
        Path caFile = Files.createDirectories(work.resolve("pki")).resolve("ca.pem");
        Files.writeString(caFile, FleetPki.pem(pki.caCertificate()));
        Path brokerLog = work.resolve("broker.log");
        Path auditFile = work.resolve("audit.log"); // the production setting: one chain across restarts
        Map<String, String> env = new java.util.HashMap<>(TestBrokers.env(work.resolve("data"), Map.of(
                "EDGEAUTH_COAP_PORT", "-1", "EDGEAUTH_HTTP_MAX_PENDING_REQUESTS", "100000",
                "EDGEAUTH_AUDIT_FILE", auditFile.toString(),
                "EDGEAUTH_CONNECTION_GUARD_PER_ADDRESS_PER_MINUTE", "100000000",
                // the fleet's tokens outlive the run: a million devices take longer than the default 10 minutes
                "EDGEAUTH_TOKENS_DEFAULT_LIFETIME", "1h", "EDGEAUTH_TOKENS_MAX_LIFETIME", "1h",
                // as an operator would: room for every device's token, so re-connects measure cache hits
                "EDGEAUTH_TOKENS_VERIFICATION_CACHE_SIZE", Integer.toString(Math.max(100_000, devices + WARM_UP_DEVICES)),
                "EDGEAUTH_PROVISIONING_FLEET_CAS", "[{\"id\":\"bench\",\"certificateFile\":\"" + caFile + "\"}]")));
        BrokerProcess broker = BrokerProcess.start(env, brokerJvmArgs(), ProcessBuilder.Redirect.to(brokerLog.toFile()));
        List<OnboardingLoad> loads = new ArrayList<>(); // closed at the end, also when a phase fails
        try {
            OnboardingLoad load = new OnboardingLoad(broker.url(), broker.mqttPort(), concurrency);
            loads.add(load);
            long keygenStart = System.nanoTime();
            // on every core: JDK key generation and certificate signing take about 1.4 ms per device, which for
            // 400,000 devices was 9 minutes on one thread before the broker saw anything
            List<OnboardingLoad.Device> fleet = java.util.stream.IntStream.range(0, devices + WARM_UP_DEVICES).parallel()
                    .mapToObj(i -> {
                        try {
                            return load.device(pki, deviceId(i));
                        } catch (Exception e) {
                            throw new IllegalStateException("device " + i + ": " + e.getMessage(), e);
                        }
                    })
                    .toList();
            double keygenUs = (System.nanoTime() - keygenStart) / 1000.0 / fleet.size();
            // warm-up: JIT on both sides, not counted
            List<OnboardingLoad.Device> warmUp = fleet.subList(devices, devices + WARM_UP_DEVICES);
            load.onboard(warmUp, new OnboardingLoad.Stages());
            load.reconnect(warmUp, new OnboardingLoad.Stages());
            List<OnboardingLoad.Device> measured = fleet.subList(0, devices);
            double[] storeBefore = storeCounters(broker);
            String onboarding = phase("onboarding", broker, devices, stages -> load.onboard(measured, stages));
            double[] storeAfter = storeCounters(broker);
            String reconnect = phase("reconnect", broker, devices, stages -> load.reconnect(measured, stages));
            double floorUs = cryptoFloorMicros();
            System.out.printf("%s ec_floor_us/device=%.0f flow/floor=%.2f client_keygen_wall_us/device=%.0f"
                            + " client_lost_token_bodies=%d%n", onboarding, floorUs, brokerCpuUs(onboarding) / floorUs,
                    keygenUs, load.lostBodies());
            System.out.println(reconnect);
            long storeBytes = Files.size(work.resolve("data").resolve("state.mv.db"));
            System.out.printf("store file_mb=%.1f bytes/device=%d onboarding_commits/device=%.2f"
                            + " onboarding_mutations/commit=%.2f%n", storeBytes / 1e6,
                    storeBytes / (devices + warmUp.size()), (storeAfter[0] - storeBefore[0]) / devices,
                    (storeAfter[1] - storeBefore[1]) / (storeAfter[0] - storeBefore[0]));
            // a restarted broker: the fleet comes back with its cached tokens; the broker's verification cache is the
            // one its clean stop kept (digests only: each token is decoded and checked again, all but its signature);
            // the warm-up devices re-connect first so that the JIT is warm again
            String url = broker.url();
            String admin = broker.admin(); // printed at the first start only
            env.put("EDGEAUTH_HTTP_PORT", url.substring(url.lastIndexOf(':') + 1).replaceAll("\\D.*", ""));
            env.put("EDGEAUTH_MQTT_PORT", Integer.toString(broker.mqttPort()));
            broker.close();
            long restartBegan = System.nanoTime();
            broker = BrokerProcess.start(env, brokerJvmArgs(), ProcessBuilder.Redirect.appendTo(brokerLog.toFile()));
            double restartSeconds = (System.nanoTime() - restartBegan) / 1e9; // a new JVM until the broker is ready
            OnboardingLoad restarted = new OnboardingLoad(broker.url(), broker.mqttPort(), concurrency);
            loads.add(restarted);
            String restored = restoredWaiting(broker.url()); // before the warm-up devices take theirs
            restarted.reconnect(warmUp, new OnboardingLoad.Stages());
            System.out.printf("%s broker_start_s=%.1f restored_verifications=%s%n", phase("reconnect_after_restart",
                    broker, devices, stages -> restarted.reconnect(measured, stages)), restartSeconds, restored);
            String imported = bulkImport(broker, admin, work, importRecords);
            long blocked = Files.readAllLines(brokerLog).stream().filter(l -> l.contains("has been blocked")).count();
            System.out.printf("%s blocked_warnings=%d load_average=%.1f%n", imported, blocked,
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        } finally {
            loads.forEach(OnboardingLoad::close);
            broker.close();
        }
        // the whole run's audit log (the active file and those rotated by size), sealed by the stop checkpoint:
        // the chain must be unbroken
        List<Path> auditFiles;
        try (var files = Files.list(work)) {
            auditFiles = io.edgeauth.broker.audit.AuditFiles.order(files
                    .filter(f -> f.getFileName().toString().startsWith(auditFile.getFileName().toString())).toList());
        }
        var report = new io.edgeauth.broker.audit.ChainVerifier(null).verify(auditFiles);
        System.out.printf("audit files=%d lines=%d verify=%s%n", auditFiles.size(), report.lines(),
                report.firstBreak() == null ? "unbroken" : report.firstBreak());
        System.exit(0);
    }

    /** The tokens the restarted broker restored as verified ({@code /metrics}), or "?" if it does not say. */
    private static String restoredWaiting(String url) throws Exception {
        String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(url + "/metrics")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "(?m)^edgeauth_token_verification_restored_waiting (\\S+)$").matcher(metrics);
        return m.find() ? String.format("%.0f", Double.parseDouble(m.group(1))) : "?";
    }

    /**
     * -Xmx1g plus the words of system property {@code bench.brokerJvmArgs} (e.g. a JFR recording), {@code %n} in them
     * replaced by the number of this start (1, then 2 after the restart): JDK 17's JFR does not expand {@code %p},
     * and the restarted broker would overwrite the first one's recording.
     */
    private static int brokerStarts;

    private static List<String> brokerJvmArgs() {
        List<String> args = new ArrayList<>(List.of("-Xmx1g"));
        String extra = System.getProperty("bench.brokerJvmArgs", "").strip()
                .replace("%n", Integer.toString(++brokerStarts));
        if (!extra.isEmpty()) {
            args.addAll(List.of(extra.split("\\s+")));
        }
        return args;
    }

    private interface Run {
        int run(OnboardingLoad.Stages stages) throws Exception;
    }

    /** Runs one measured phase; its report line: devices/s, p50/p99 per stage, broker and client CPU per device. */
    private static String phase(String name, BrokerProcess broker, int devices, Run run) throws Exception {
        OnboardingLoad.Stages stages = new OnboardingLoad.Stages();
        long cpuBefore = MqttLoadBench.cpuTicks(broker.pid());
        Map<String, Long> threadsBefore = BrokerThreadCpu.ticksByGroup(broker.pid());
        long clientCpuBefore = clientCpuNanos();
        long self = ProcessHandle.current().pid();
        Map<String, Long> clientThreadsBefore = BrokerThreadCpu.ticksByGroup(self);
        long start = System.nanoTime();
        int failed = run.run(stages);
        double seconds = (System.nanoTime() - start) / 1e9;
        long cpuTicks = MqttLoadBench.cpuTicks(broker.pid()) - cpuBefore;
        double clientUs = (clientCpuNanos() - clientCpuBefore) / 1000.0 / devices;
        String byThread = BrokerThreadCpu.perDevice(threadsBefore, BrokerThreadCpu.ticksByGroup(broker.pid()), devices);
        String clientByThread = BrokerThreadCpu.perDevice(clientThreadsBefore, BrokerThreadCpu.ticksByGroup(self), devices);
        String token = stages.token.getTotalCount() == 0 ? ""
                : String.format(" token_p50/p99=%.1f/%.1fms", ms(stages.token, 50), ms(stages.token, 99));
        return String.format("%s devices=%d failed=%d devices/s=%.0f%s connect_p50/p99=%.1f/%.1fms"
                        + " publish_p50/p99=%.1f/%.1fms total_p50/p99=%.1f/%.1fms broker_cpu_us/device=%.0f"
                        + " client_cpu_us/device=%.0f broker_cpu_us/device_by_thread=%s client_cpu_us/device_by_thread=%s",
                name, devices, failed, devices / seconds, token, ms(stages.connect, 50), ms(stages.connect, 99),
                ms(stages.publish, 50), ms(stages.publish, 99), ms(stages.total, 50), ms(stages.total, 99),
                cpuTicks * 10_000.0 / devices, clientUs, byThread, clientByThread);
    }

    /** The embedded store's commits and mutations so far, from the broker's {@code /metrics}. */
    private static double[] storeCounters(BrokerProcess broker) throws Exception {
        String metrics = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(broker.url() + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        return new double[] {counter(metrics, "edgeauth_store_commits_total"),
                counter(metrics, "edgeauth_store_mutations_total")};
    }

    private static double counter(String metrics, String name) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + name + "(?:\\{[^}]*})? (\\S+)$")
                .matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    private static double brokerCpuUs(String phaseLine) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("broker_cpu_us/device=(\\d+)").matcher(phaseLine);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    private static long clientCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** CPU microseconds of 2 ES256 verifies + 1 ES256 sign with the broker's provider, one thread. */
    static double cryptoFloorMicros() throws Exception {
        CryptoProviders crypto = CryptoProviders.select(true);
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair keys = g.generateKeyPair();
        byte[] data = new byte[300];
        Signature signer = crypto.signature("SHA256withECDSA");
        signer.initSign(keys.getPrivate());
        signer.update(data);
        byte[] sig = signer.sign();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        int n = 3000;
        for (int round = 0; round < 2; round++) { // the first round warms up
            long cpu = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < n; i++) {
                Signature s = crypto.signature("SHA256withECDSA");
                s.initSign(keys.getPrivate());
                s.update(data);
                s.sign();
                for (int v = 0; v < 2; v++) {
                    Signature verify = crypto.signature("SHA256withECDSA");
                    verify.initVerify(keys.getPublic());
                    verify.update(data);
                    verify.verify(sig);
                }
            }
            if (round == 1) {
                return (threads.getCurrentThreadCpuTime() - cpu) / 1000.0 / n;
            }
        }
        throw new IllegalStateException();
    }

    /** Streams {@code records} new device records through {@code POST /admin/devices:bulk}; its report line. */
    private static String bulkImport(BrokerProcess broker, String admin, Path work, int records) throws Exception {
        Path file = work.resolve("import.ndjson");
        try (BufferedWriter w = Files.newBufferedWriter(file)) {
            for (int i = 0; i < records; i++) {
                w.write("{\"id\":\"imp-" + i + "\",\"x5tS256\":\"" + "A".repeat(43) + "\",\"region\":[\"u33d\"]}\n");
            }
        }
        long cpuBefore = MqttLoadBench.cpuTicks(broker.pid());
        long start = System.nanoTime();
        try (BulkImportClient client = new BulkImportClient()) {
            BulkImportClient.Summary s = client.importFile(URI.create(broker.url()), admin, file, line -> { });
            if (s.summary() == null || s.summary().getLong("created") != records) {
                throw new IllegalStateException("import incomplete: " + s);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long cpuTicks = MqttLoadBench.cpuTicks(broker.pid()) - cpuBefore;
        return String.format("bulk_import records=%d seconds=%.1f records/s=%.0f broker_cpu_us/record=%.1f"
                        + " broker_peak_rss_mb=%d", records, seconds, records / seconds, cpuTicks * 10_000.0 / records,
                peakRssMb(broker.pid()));
    }

    /** VmHWM of /proc/PID/status: the broker's peak resident memory. */
    private static long peakRssMb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
    }

    /**
     * {@code ob-0000001}, ... in onboarding order; or, with {@code -Dbench.deviceIds=random}, ids in no order (as
     * serial numbers or UUIDs from a factory come), so each new record lands anywhere in the store's B-trees.
     */
    static String deviceId(int i) {
        if (!"random".equals(System.getProperty("bench.deviceIds", "sequential"))) {
            return String.format("ob-%07d", i);
        }
        long z = (i + 1) * 0x9E3779B97F4A7C15L; // SplitMix64's finalizer: a bijection, so the ids stay unique
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return String.format("ob-%016x", z ^ (z >>> 31));
    }
}
