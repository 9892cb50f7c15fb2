package io.edgeauth.broker.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batched writer of {@link ChainedAuditLog}: many callers, one chain in queue order; a full queue makes callers
 * wait (never drop); durable events answer only after their write; close() writes everything queued.
 */
class BatchedAuditLogTest {
    private static final Duration BOUND = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    /** A memory sink whose writes wait until the gate opens; counts the batches it was handed. */
    static final class GatedSink implements AuditSink {
        final List<String> lines = Collections.synchronizedList(new ArrayList<>());
        final List<Integer> batches = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch gate;
        volatile boolean writing;

        GatedSink(boolean open) {
            gate = new CountDownLatch(open ? 0 : 1);
        }

        @Override
        public void write(String line) {
            writeBatch(List.of(line));
        }

        @Override
        public void writeBatch(List<String> batch) {
            writing = true;
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            batches.add(batch.size());
            lines.addAll(batch);
        }
    }

    private static ChainedAuditLog.Settings settings(int checkpointEvery) {
        return new ChainedAuditLog.Settings("n1", true, checkpointEvery);
    }

    private ChainVerifier.Report verify(List<String> lines, AuditChainFixture f) throws Exception {
        return new ChainVerifier(f.jwks).verify(List.of(AuditChainFixture.write(dir.resolve("audit.log"), lines)));
    }

    @Test
    void manyThreadsMakeOneUnbrokenChainInWhichEachThreadKeepsItsOrder() throws Exception {
        AuditChainFixture f = new AuditChainFixture();
        GatedSink sink = new GatedSink(true);
        int threads = 8;
        int each = 2000;
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (ChainedAuditLog log = new ChainedAuditLog(sink, settings(100), Clock.systemUTC(), 64)) {
            log.startCheckpoints(f.signer(), scheduler, Duration.ofMillis(5));
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                runs.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        String event = i % 97 == 0 ? "device.provisioned" : "auth.accepted"; // some wait for their write
                        log.record(event, "ok", Map.of("thread", thread, "i", i));
                    }
                }));
            }
            for (Future<?> run : runs) {
                run.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            scheduler.shutdownNow();
        }
        List<String> lines = List.copyOf(sink.lines);
        ChainVerifier.Report r = verify(lines, f);
        assertThat(r.firstBreak()).isNull();
        assertThat(r.exitCode(true)).isZero();
        assertThat(r.notes()).singleElement().asString().contains("0 later line(s) not sealed");
        Map<Integer, Integer> next = new HashMap<>();
        long events = 0;
        for (String line : lines) {
            JsonObject o = new JsonObject(line);
            if (o.containsKey("thread")) {
                int thread = o.getInteger("thread");
                assertThat(o.getInteger("i")).as("thread %d's events in its order", thread)
                        .isEqualTo(next.getOrDefault(thread, 0));
                next.put(thread, o.getInteger("i") + 1);
                events++;
            }
        }
        assertThat(events).as("every event written once").isEqualTo((long) threads * each);
        assertThat(sink.batches.size()).as("lines share writes").isLessThan(lines.size());
    }

    @Test
    void aFullQueueMakesTheCallerWaitAndCountsItNeverDropsALine() throws Exception {
        GatedSink sink = new GatedSink(false);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        ChainedAuditLog log = new ChainedAuditLog(sink, new ChainedAuditLog.Settings("n1", true, 1000),
                Clock.systemUTC(), 4);
        log.bindTo(meters);
        await().atMost(BOUND).until(() -> sink.writing); // audit.started is being written: the writer is held
        CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 50; i++) {
                log.record("auth.accepted", "ok", Map.of("i", i));
            }
        });
        await().atMost(BOUND).until(() -> log.queueFullWaits() > 0);
        assertThat(producer).as("the caller waits for room").isNotDone();
        assertThat(meters.get("edgeauth.audit.queue.full").functionCounter().count()).isPositive();
        assertThat(meters.get("edgeauth.audit.queue").gauge().value()).isEqualTo(4.0);
        sink.gate.countDown();
        producer.get(60, TimeUnit.SECONDS);
        log.close();
        assertThat(sink.lines).filteredOn(l -> l.contains("auth.accepted")).hasSize(50);
        assertThat(new ChainVerifier(null).verify(List.of(AuditChainFixture.write(dir.resolve("a.log"), sink.lines)))
                .firstBreak()).isNull();
        assertThat(meters.get("edgeauth.audit.lines").functionCounter().count()).isEqualTo(sink.lines.size());
    }

    @Test
    void aDurableEventAnswersOnlyOnceItsLineIsWrittenOthersDoNotWait() throws Exception {
        GatedSink sink = new GatedSink(false);
        try (ChainedAuditLog log = new ChainedAuditLog(sink, settings(1000), Clock.systemUTC())) {
            log.record("auth.accepted", "ok", Map.of("sub", "pump-1")); // returns although nothing is written
            CompletableFuture<Void> async = log.recordAsync("device.registered", "ok", Map.of("device", "pump-3"));
            CompletableFuture<Void> provisioned = CompletableFuture.runAsync(
                    () -> log.record("device.provisioned", "ok", Map.of("device", "pump-2")));
            await().atMost(BOUND).until(() -> sink.writing);
            assertThat(sink.lines).isEmpty();
            assertThat(provisioned).as("waits for its batch's write").isNotDone();
            assertThat(async).isNotDone();
            sink.gate.countDown();
            provisioned.get(60, TimeUnit.SECONDS);
            assertThat(sink.lines).as("written, with everything before it, when record() returns")
                    .anyMatch(l -> l.contains("pump-2")).anyMatch(l -> l.contains("pump-1"));
            async.get(60, TimeUnit.SECONDS);
            assertThat(sink.lines).anyMatch(l -> l.contains("pump-3"));
        }
    }

    @Test
    void eventsRecordedOnTheWriterThreadByADependentNeitherDeadlockNorGetLost() throws Exception {
        GatedSink sink = new GatedSink(false);
        ChainedAuditLog log = new ChainedAuditLog(sink, settings(1000), Clock.systemUTC(), 1);
        await().atMost(BOUND).until(() -> sink.writing);
        CompletableFuture<Void> dependentDone = log.recordAsync("device.registered", "ok", Map.of("device", "pump-1"))
                .thenRun(() -> {
                    for (int i = 0; i < 10; i++) { // durable events into a full queue, from the writer thread itself
                        log.record("device.provisioned", "ok", Map.of("device", "dependent-" + i));
                    }
                });
        sink.gate.countDown();
        // a writer that waits for itself never gets here (no close() then: it would wait for the stuck writer)
        dependentDone.get(60, TimeUnit.SECONDS);
        log.close();
        assertThat(sink.lines).filteredOn(l -> l.contains("dependent-")).hasSize(10);
        assertThat(new ChainVerifier(null).verify(List.of(AuditChainFixture.write(dir.resolve("a.log"), sink.lines)))
                .firstBreak()).isNull();
    }

    @Test
    void closeWritesEverythingQueuedAndSealsIt() throws Exception {
        AuditChainFixture f = new AuditChainFixture();
        GatedSink sink = new GatedSink(true);
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        ChainedAuditLog log = new ChainedAuditLog(sink, settings(1_000_000), Clock.systemUTC());
        try {
            log.startCheckpoints(f.signer(), scheduler, Duration.ofHours(1));
            for (int i = 0; i < 5000; i++) {
                log.record("token.issued", "ok", Map.of("i", i));
            }
            log.close();
        } finally {
            scheduler.shutdownNow();
        }
        List<String> lines = List.copyOf(sink.lines);
        assertThat(lines).filteredOn(l -> l.contains("token.issued")).hasSize(5000);
        assertThat(new JsonObject(lines.get(lines.size() - 1)).getString("reason")).isEqualTo("stop");
        assertThat(verify(lines, f).firstBreak()).isNull();
        log.record("auth.accepted", "ok", Map.of()); // after close: refused with a warning, never blocks
        assertThat(log.recordAsync("device.registered", "ok", Map.of())).isDone();
        assertThat(sink.lines).hasSameSizeAs(lines);
    }

    @Test
    void aFileSinkGetsOneWritePerBatchAndTheChainContinuesAfterARestart() throws Exception {
        Path file = dir.resolve("audit.log");
        try (ChainedAuditLog log = new ChainedAuditLog(new RollingFileSink(file, "100MB", 0), settings(1000),
                Clock.systemUTC())) {
            for (int i = 0; i < 3000; i++) {
                log.record("auth.accepted", "ok", Map.of("i", i));
            }
        }
        try (ChainedAuditLog log = new ChainedAuditLog(new RollingFileSink(file, "100MB", 0), settings(1000),
                Clock.systemUTC())) {
            log.record("device.provisioned", "ok", Map.of("device", "pump-1"));
        }
        List<String> lines = java.nio.file.Files.readAllLines(file);
        assertThat(lines).hasSize(3003);
        assertThat(lines.get(3001)).contains("\"chain\":\"continued\"");
        assertThat(new ChainVerifier(null).verify(List.of(file)).firstBreak()).isNull();
    }
}
