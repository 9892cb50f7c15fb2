package io.edgeauth.broker.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.testsupport.LogCapture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sink that cannot write (a full disk) is not a written batch: durable callers wait, the writer retries the same
 * lines (same seq) until they are written, and the chain is unbroken with every event once the sink recovers (tour P
 * F4, tour O F5: the lines were dropped and the callers answered).
 */
class AuditWriteFailureTest {
    @TempDir
    Path dir;

    /** A memory sink that refuses every batch while {@code full}, as a file on a full disk. */
    static final class FullDiskSink implements AuditSink {
        final List<String> lines = Collections.synchronizedList(new ArrayList<>());
        volatile boolean full;
        volatile int refused;

        @Override
        public void write(String line) {
            writeBatch(List.of(line));
        }

        @Override
        public void writeBatch(List<String> batch) {
            if (full) {
                refused++;
                throw new UncheckedIOException(new java.io.IOException("No space left on device"));
            }
            lines.addAll(batch);
        }
    }

    @Test
    void aDurableCallerWaitsWhileTheSinkFailsAndEveryLineIsWrittenOnceItRecovers() throws Exception {
        FullDiskSink sink = new FullDiskSink();
        LogCapture logs = LogCapture.of(ChainedAuditLog.class);
        ChainedAuditLog log = new ChainedAuditLog(sink, new ChainedAuditLog.Settings("n1", true, 1000),
                Clock.systemUTC());
        log.record("device.registered", "ok", Map.of("device", "d-0"));
        sink.full = true;
        for (int i = 0; i < 5; i++) {
            log.record("auth.refused", "bad_password", Map.of("remote", "10.0.0." + i));
        }
        CompletableFuture<Void> answered = CompletableFuture.runAsync(
                () -> log.record("device.registered", "ok", Map.of("device", "d-1")));
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.refused >= 2); // failed, then retried
        assertThat(answered).as("the caller of a durable event is not answered while its line cannot be written")
                .isNotDone();
        assertThat(log.unavailableReason()).get().asString().contains("No space left on device");

        sink.full = false;
        answered.get(10, TimeUnit.SECONDS);
        assertThat(log.unavailableReason()).isEmpty();
        log.record("device.registered", "ok", Map.of("device", "d-2"));
        log.close();
        logs.close();
        assertThat(logs.events()).as("the failure logged once, however often retried, and the recovery once")
                .extracting(e -> e.getLevel().toString()).containsExactly("ERROR", "WARN");
        assertThat(logs.events().get(0).getFormattedMessage()).contains("No space left on device");

        List<String> written = new ArrayList<>(sink.lines);
        assertThat(String.join("\n", written)).contains("\"d-0\"", "\"d-1\"", "\"d-2\"", "10.0.0.4");
        ChainVerifier.Report r = new ChainVerifier(null).verify(List.of(AuditChainFixture.write(
                dir.resolve("audit.log"), written)));
        assertThat(r.firstBreak()).as("%s", r.firstBreak()).isNull();
        assertThat(r.lines()).isEqualTo(written.size()).isEqualTo(1 + 1 + 5 + 1 + 1); // audit.started ... d-2
    }

    @Test
    void aLogStoppingWhileTheSinkStillFailsGivesItsLinesUpWithinABoundAndAcknowledgesNone() throws Exception {
        FullDiskSink sink = new FullDiskSink();
        LogCapture logs = LogCapture.of(ChainedAuditLog.class);
        ChainedAuditLog log = new ChainedAuditLog(sink, new ChainedAuditLog.Settings("n1", true, 1000),
                Clock.systemUTC());
        sink.full = true;
        CompletableFuture<Void> durable = log.recordAsync("device.registered", "ok", Map.of("device", "d-1"));
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.refused >= 1);
        long start = System.nanoTime();
        log.close(); // a broker stopping with its audit disk still full must stop, not hang
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
        assertThat(durable).as("a line never written is never acknowledged").isCompletedExceptionally();
        assertThat(sink.lines).isEmpty();
        logs.close();
        assertThat(logs.events()).as("the failure, then the lines given up; no recovery that did not happen")
                .extracting(e -> e.getLevel().toString()).containsExactly("ERROR", "ERROR");
        assertThat(logs.events().get(1).getFormattedMessage()).contains("lost");
    }

    private List<Path> auditFiles() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return new ArrayList<>(s.filter(p -> p.getFileName().toString().startsWith("audit.log")).sorted().toList());
        }
    }

    private String allLines() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Path p : auditFiles()) {
            sb.append(Files.readString(p));
        }
        return sb.toString();
    }

    @Test
    void aFullDiskLeavesNoFragmentAndTheRotatedChainVerifiesWithEveryEventOnceSpaceReturns() throws Exception {
        AtomicBoolean full = new AtomicBoolean();
        AtomicInteger refused = new AtomicInteger();
        RollingFileSink.Output disk = (channel, bytes) -> {
            if (full.get()) { // as write(2) on a filling disk: part of the chunk goes in, then ENOSPC
                refused.incrementAndGet();
                ByteBuffer part = bytes.slice();
                part.limit(Math.min(part.remaining(), 37));
                bytes.position(bytes.position() + channel.write(part));
                throw new IOException("No space left on device");
            }
            return channel.write(bytes);
        };
        AuditChainFixture f = new AuditChainFixture();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        ChainedAuditLog log = new ChainedAuditLog(new RollingFileSink(dir.resolve("audit.log"), "2KB", 0, null, disk),
                new ChainedAuditLog.Settings("n1", true, 10), Clock.systemUTC());
        log.bindTo(meters);
        try {
            log.startCheckpoints(f.signer(), scheduler, Duration.ofHours(1));
            for (int i = 0; i < 20; i++) {
                log.record("device.registered", "ok", Map.of("device", "d-" + i));
            }
            full.set(true);
            for (int i = 0; i < 30; i++) {
                log.record("auth.refused", "bad_password", Map.of("remote", "10.0.0." + i));
            }
            AtomicBoolean onDiskWhenAnswered = new AtomicBoolean();
            CompletableFuture<Void> async = log.recordAsync("device.registered", "ok", Map.of("device", "d-async"));
            CompletableFuture<Boolean> seen = async.thenApply(v -> {
                try {
                    return allLines().contains("\"d-async\"");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            CompletableFuture<Void> answered = CompletableFuture.runAsync(() -> {
                for (int i = 20; i < 25; i++) {
                    log.record("device.registered", "ok", Map.of("device", "d-" + i));
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> refused.get() >= 3);
            assertThat(answered).as("durable callers wait while the disk is full").isNotDone();
            assertThat(async).isNotDone();
            for (Path p : auditFiles()) { // the failed chunks were cut off again: whole lines only
                byte[] bytes = Files.readAllBytes(p);
                assertThat(bytes.length == 0 || bytes[bytes.length - 1] == '\n').as("%s ends with a whole line", p)
                        .isTrue();
            }
            assertThat(log.unavailableReason()).get().asString().contains("No space left on device");
            assertThat(meters.get("edgeauth.audit.unwritable").gauge().value()).isEqualTo(1.0);

            full.set(false);
            answered.get(10, TimeUnit.SECONDS);
            assertThat(seen.get(10, TimeUnit.SECONDS)).as("the async durable event's line was on disk when answered")
                    .isTrue();
            assertThat(log.unavailableReason()).isEmpty();
            assertThat(meters.get("edgeauth.audit.unwritable").gauge().value()).isZero();
            assertThat(meters.get("edgeauth.audit.write.failures").functionCounter().count()).isGreaterThanOrEqualTo(3);
        } finally {
            log.close();
            scheduler.shutdownNow();
        }
        List<Path> files = auditFiles();
        assertThat(files).as("rotated at 2 KB").hasSizeGreaterThan(2);
        Collections.shuffle(files);
        ChainVerifier.Report r = new ChainVerifier(f.jwks).verify(files);
        assertThat(r.firstBreak()).as("%s", r.firstBreak()).isNull();
        assertThat(r.exitCode(true)).isZero();
        String all = allLines();
        for (int i = 0; i < 25; i++) {
            assertThat(all).contains("\"d-" + i + "\"");
        }
        assertThat(all).contains("\"d-async\"", "10.0.0.29");
        assertThat(all.split("\n")).filteredOn(l -> l.contains("auth.refused")).hasSize(30);
    }
}
