package io.edgeauth.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.simulator.SimulatorRuns.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --restart-command} is waited for (bounded by {@code --restart-window}), its failure is in the verdict, and a
 * command still running at the end is stopped, not left behind (tour AB, AB8). The commands here restart nothing.
 */
class RestartCommandTest {
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
    void aCommandStillRunningAtTheEndIsReportedAndStopped() throws Exception {
        Path pid = dir.resolve("restart.pid");
        Outcome o = SimulatorRuns.run(broker, dir, "rcslow", "--scenario", "restart", "--devices", "4", "--arrival-rate", "20",
                "--hold", "2s", "--restart-at", "1s", "--restart-window", "3s", "--no-metrics",
                "--restart-command", "echo $$ > " + pid + "; exec sleep 60");
        assertThat(o.result().failures()).as(o.text()).containsEntry("restart:unfinished", 1L);
        assertThat(o.text()).contains("broker restart: --restart-command still running after 3 s: stopped it");
        long commandPid = Long.parseLong(Files.readString(pid).trim());
        Thread.sleep(500);
        assertThat(ProcessHandle.of(commandPid).map(ProcessHandle::isAlive).orElse(false)).as("left running").isFalse();
    }

    @Test
    void aCommandThatFailsAfterTheSessionsEndedFailsTheRun() throws Exception {
        Outcome o = SimulatorRuns.run(broker, dir, "rcfail", "--scenario", "restart", "--devices", "4", "--arrival-rate", "20",
                "--hold", "2s", "--restart-at", "1s", "--restart-window", "20s", "--no-metrics",
                "--restart-command", "sleep 5; exit 3");
        assertThat(o.code()).isEqualTo(SimulatorCli.FAILED);
        assertThat(o.result().failures()).as(o.text()).containsEntry("restart:failed", 1L);
        assertThat(o.text()).contains("broker restart failed: --restart-command exited with 3");
    }
}
