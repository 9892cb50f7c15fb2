package io.edgeauth.simulator.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class RunRecorderTest {
    @Test
    void theFirstFailuresOfEachReasonNameTheirDeviceAndWhatTheBrokerSaid() {
        ch.qos.logback.classic.Logger log =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(RunRecorder.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> seen =
                new ch.qos.logback.core.read.ListAppender<>();
        seen.start();
        log.addAppender(seen);
        try {
            RunRecorder r = new RunRecorder();
            for (int i = 0; i < 5; i++) {
                r.failure("token:invalid_client", "sim-" + i, "revoked: token revoked");
            }
            r.failure("connect:expired", "sim-9", null);
            assertThat(seen.list).extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                    .containsExactly(
                    "sim-0 failed token:invalid_client: revoked: token revoked",
                    "sim-1 failed token:invalid_client: revoked: token revoked",
                    "sim-2 failed token:invalid_client: revoked: token revoked",
                    "sim-9 failed connect:expired");
            r.tick(1, 0);
            assertThat(r.failureCounts()).containsEntry("token:invalid_client", 5L).containsEntry("connect:expired", 1L);
        } finally {
            log.detachAppender(seen);
        }
    }

    @Test
    void everyLatencyLandsInTheTotalsWhateverTheStagesTicksSkip() {
        RunRecorder r = new RunRecorder();
        r.latency(Stage.TOKEN, 2_000_000);
        RunResult.SecondPoint first = r.tick(1, 0);
        assertThat(first.p99()).containsOnlyKeys("token");
        assertThat(r.tick(2, 0).p99()).isEmpty(); // nothing since: no stage in the point
        r.latency(Stage.TOKEN, 4_000_000);
        r.latency(Stage.CONNECT, 1_000_000);
        RunResult.SecondPoint third = r.tick(3, 0);
        assertThat(third.p99()).containsOnlyKeys("token", "connect");
        assertThat(third.p99().get("token")).isEqualTo(4.0, org.assertj.core.data.Offset.offset(0.01));
        r.tick(4, 0);
        assertThat(r.stageStats().get("token").count()).isEqualTo(2);
        assertThat(r.stageStats().get("connect").count()).isEqualTo(1);
        assertThat(r.stageStats().get("publish").count()).isZero();
    }

    @Test
    void latenciesRecordedWhileTicksRunAreAllCounted() throws Exception {
        RunRecorder r = new RunRecorder();
        int threads = 4;
        int each = 50_000;
        AtomicBoolean writing = new AtomicBoolean(true);
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Stage stage = t % 2 == 0 ? Stage.PUBLISH : Stage.DELIVERY;
            Thread w = new Thread(() -> {
                for (int i = 0; i < each; i++) {
                    r.latency(stage, 1000L * (i % 5000));
                }
            });
            writers.add(w);
            w.start();
        }
        Thread ticker = new Thread(() -> {
            long t = 0;
            while (writing.get()) {
                r.tick(t++, 0);
            }
        });
        ticker.start();
        for (Thread w : writers) {
            w.join();
        }
        writing.set(false);
        ticker.join();
        r.tick(Long.MAX_VALUE, 0); // the run's last tick takes what the ticker left
        assertThat(r.stageStats().get("publish").count() + r.stageStats().get("delivery").count())
                .isEqualTo((long) threads * each);
    }
}
