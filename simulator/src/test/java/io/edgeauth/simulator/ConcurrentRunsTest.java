package io.edgeauth.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.simulator.SimulatorRuns.Outcome;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two runs against one broker at once, both shard 0 of fleets with other prefixes: each observer must count only its
 * own run's messages (the other run's are foreign, not duplicates, and never deliveries of its own).
 */
class ConcurrentRunsTest {
    @TempDir
    static Path dir;
    static InProcessBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = new InProcessBroker(dir, Map.of());
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void twoRunsOnOneBrokerDoNotCountEachOthersTelemetry() throws Exception {
        String[] common = {"--observer", "--no-metrics", "--devices", "20", "--arrival-rate", "10", "--messages", "2",
            "--hold", "1s"};
        // each run on a thread of its own: on the JVM's common pool (2 workers on a 2-core JDK 25) the two runs took
        // every worker, and the runs' own asynchronous steps, queued there, never ran
        java.util.concurrent.ExecutorService both = java.util.concurrent.Executors.newFixedThreadPool(2);
        CompletableFuture<Outcome> a = CompletableFuture.supplyAsync(() -> run("cra", common), both);
        CompletableFuture<Outcome> b = CompletableFuture.supplyAsync(() -> run("crb", common), both);
        both.shutdown();
        for (Outcome o : new Outcome[] {a.get(), b.get()}) {
            assertThat(o.code()).as(o.text()).isZero();
            assertThat(o.result().totals().delivered()).isEqualTo(40);
            assertThat(o.result().totals().duplicates()).as("the other run's messages are not duplicates").isZero();
        }
        // the runs overlapped for seconds: each saw the other's messages, and counted them apart
        assertThat(a.get().result().totals().foreignMessages() + b.get().result().totals().foreignMessages()).isPositive();
    }

    private static Outcome run(String prefix, String... extra) {
        try {
            return SimulatorRuns.run(broker, dir, prefix, extra);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
