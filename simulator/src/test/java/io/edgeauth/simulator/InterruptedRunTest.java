package io.edgeauth.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.simulator.report.RunResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM of a running {@code run} in a process of its own (a shutdown hook cannot be tried in the test's JVM):
 * it stops starting sessions, closes the open ones, writes a result marked interrupted and says so.
 */
class InterruptedRunTest {
    @TempDir
    Path dir;

    @Test
    void sigtermWritesAnInterruptedResultAndClosesOpenSessions() throws Exception {
        try (AcceptAllMqttBroker fake = new AcceptAllMqttBroker()) {
            Path out = dir.resolve("int");
            Path log = dir.resolve("int.log");
            Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), SimulatorCli.class.getName(), "run",
                    "--broker-url", "http://127.0.0.1:1", "--mqtt", "127.0.0.1:" + fake.port(), "--token-source", "issuer",
                    "--onboarding", "none", "--devices", "400", "--arrival-rate", "20", "--hold", "120s", "--no-metrics",
                    "--out", out.toString())).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (fake.connects.get() < 20 && System.nanoTime() < until) {
                Thread.sleep(100);
            }
            assertThat(fake.connects.get()).as(() -> read(log)).isGreaterThanOrEqualTo(20);
            long signalled = System.nanoTime();
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as(() -> read(log)).isTrue();
            double seconds = (System.nanoTime() - signalled) / 1e9;
            String printed = read(log);
            assertThat(p.exitValue()).as(printed).isEqualTo(143);
            assertThat(seconds).as("bounded: 5 s for open sessions, the drain and writing").isLessThan(15);
            assertThat(printed).contains("interrupted: starting no more sessions").contains("summary: INTERRUPTED devices=")
                    .contains("report: ");
            RunResult r = RunResult.read(out.resolve("run.json"));
            assertThat(r.verdict().ok()).isFalse();
            assertThat(r.failures()).containsKey("interrupted:by_signal").containsKey("unfinished:not_started_before_interrupt")
                    .doesNotContainKey("interrupted:sessions_open_at_stop");
            assertThat(r.totals().devices()).isBetween(20L, 399L);
            // the holding sessions were ended (DISCONNECT), not dropped: every accepted one completed
            assertThat(r.totals().honestCompleted()).isEqualTo(r.totals().honestAccepted()).isPositive();
            assertThat(Files.readString(out.resolve("report.html"))).contains("INTERRUPTED");
        }
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    @Test
    void sigtermOfAnImportSaysHowFarTheBrokerAnswered() throws Exception {
        try (StallingBulkBroker stalling = new StallingBulkBroker(false)) {
            Path log = dir.resolve("import.log");
            Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), SimulatorCli.class.getName(), "import",
                    "--broker-url", stalling.url(), "--admin-credential", "x", "--devices", "30"))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (stalling.answered.get() < 30 && System.nanoTime() < until) {
                Thread.sleep(100);
            }
            assertThat(stalling.answered.get()).as(() -> read(log)).isEqualTo(30);
            Thread.sleep(300); // the answers reach the importer
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as(() -> read(log)).isTrue();
            assertThat(p.exitValue()).isEqualTo(143);
            assertThat(read(log)).contains("import: INTERRUPTED after").contains("of 30 devices: answered=30 created=30 updated=0");
        }
    }
}
