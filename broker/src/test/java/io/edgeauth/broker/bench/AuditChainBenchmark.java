package io.edgeauth.broker.bench;

import io.edgeauth.broker.audit.ChainedAuditLog;
import io.edgeauth.broker.audit.RollingFileSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Audit throughput with the hash chain on and off: a typical {@code auth.accepted} event (7 fields) written through
 * {@link ChainedAuditLog} to a rotating file (100 MB files) in a temporary directory. Checkpoints need a key and are
 * left out here (one signature per 1000 events by default: ~0.1% of the events' cost).
 * Run: {@code bench/jmh broker AuditChainBenchmark -f 1 -wi 2 -i 3 -r 2s} (add {@code -t 2} for two writers).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class AuditChainBenchmark {
    @Param({"true", "false"})
    public boolean chain;

    private Path dir;
    private ChainedAuditLog log;
    private final Map<String, Object> fields = new LinkedHashMap<>();

    @Setup
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("audit-bench");
        log = new ChainedAuditLog(new RollingFileSink(dir.resolve("audit.log"), "100MB", 1),
                new ChainedAuditLog.Settings("bench", chain, 1000), Clock.systemUTC());
        fields.put("protocol", "mqtt");
        fields.put("claimed_id", "pump-4711");
        fields.put("remote", "/10.1.2.3:53211");
        fields.put("sub", "pump-4711");
        fields.put("iss", "https://broker.example.com");
        fields.put("kid", "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
        fields.put("token", "Zq2c1uYx0m3C");
    }

    @Benchmark
    public void record() {
        log.record("auth.accepted", "ok", fields);
    }

    @TearDown
    public void tearDown() throws Exception {
        log.close();
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }
}
