package io.edgeauth.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.simulator.SimulatorRuns.Outcome;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker that goes away mid-run (outside the restart scenario): the run stops starting devices once
 * {@code --stop-after-unreachable} sessions in a row could not reach it, instead of driving the rest of the fleet into
 * {@code register:io} (tour AB, AB7: 1,075 of them).
 */
class BrokerGoneRunTest {
    @TempDir
    Path dir;

    @Test
    void theRunStopsStartingDevicesOnceTheBrokerIsGone() throws Exception {
        InProcessBroker broker = new InProcessBroker(dir, Map.of());
        Thread stopper = new Thread(() -> {
            try {
                Thread.sleep(3000); // some sessions are holding by then, and many devices are still to start
            } catch (InterruptedException e) {
                return;
            }
            broker.close();
        }, "test-broker-stopper");
        try {
            stopper.start();
            Outcome o = SimulatorRuns.run(broker, dir, "gone", "--devices", "800", "--arrival-rate", "100", "--hold", "1s",
                    "--connect-timeout", "5s", "--no-metrics"); // the default --stop-after-unreachable: 100
            assertThat(o.code()).as(o.text()).isEqualTo(SimulatorCli.FAILED);
            Map<String, Long> failures = o.result().failures();
            long unstarted = failures.getOrDefault("unfinished:not_started_broker_unreachable", 0L);
            assertThat(unstarted).as(o.text()).isBetween(100L, 600L);
            assertThat(o.result().totals().sessions() + unstarted).isEqualTo(800);
            assertThat(failures).doesNotContainKey("unfinished:not_started_before_max_duration");
            assertThat(o.text()).containsOnlyOnce("broker unreachable: 100 sessions in a row could not reach it");
        } finally {
            stopper.join();
            broker.close();
        }
    }
}
