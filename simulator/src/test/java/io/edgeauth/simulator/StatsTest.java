package io.edgeauth.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void summaryLineCountsEverything() {
        Stats s = new Stats();
        for (int i = 0; i < 5; i++) {
            s.deviceStarted();
        }
        s.connected();
        s.connected();
        s.connected();
        s.dropped("disconnect:NOT_AUTHORIZED");
        s.connectFailed("connack:NOT_AUTHORIZED");
        s.connectFailed("token:invalid_client");
        for (int i = 1; i <= 100; i++) {
            s.sent();
            s.acked(TimeUnit.MILLISECONDS.toNanos(i)); // 1..100 ms
        }
        s.sent();
        s.publishFailed("puback:QUOTA_EXCEEDED");

        String line = s.summaryLine(Duration.ofSeconds(10));
        assertThat(line).isEqualTo("summary: devices=5 connected=3 failed=2 {connack:NOT_AUTHORIZED=1, token:invalid_client=1}"
                + " dropped=1 {disconnect:NOT_AUTHORIZED=1} sent=101 acked=100 publish_failed=1 {puback:QUOTA_EXCEEDED=1} rate=10.0 msg/s p50=50.02ms p99=99.01ms elapsed=10.0s");
        assertThat(line).doesNotContain("\n");
        assertThat(s.connectFailures()).isEqualTo(Map.of("connack:NOT_AUTHORIZED", 1L, "token:invalid_client", 1L));
        assertThat(s.latencyMicros().getTotalCount()).isEqualTo(100);
    }

    @Test
    void emptyRunHasNoLatencies() {
        Stats s = new Stats();
        assertThat(s.summaryLine(Duration.ofSeconds(1)))
                .isEqualTo("summary: devices=0 connected=0 failed=0 dropped=0 sent=0 acked=0 publish_failed=0 rate=0.0 msg/s p50=- p99=- elapsed=1.0s");
    }

    @Test
    void progressLinesReportTheIntervalSinceTheLastLine() {
        Stats s = new Stats();
        s.deviceStarted();
        s.connected();
        s.up();
        for (int i = 0; i < 20; i++) {
            s.sent();
            s.acked(TimeUnit.MILLISECONDS.toNanos(2));
        }
        long t0 = 1_000_000_000L;
        String first = s.progressLine(Duration.ofSeconds(2), t0);
        assertThat(first).contains("started=1", "connected=1", "sent=20", "acked=20", "rate=10.0 msg/s", "p50=2.00ms");
        for (int i = 0; i < 5; i++) {
            s.sent();
            s.acked(TimeUnit.MILLISECONDS.toNanos(8));
        }
        s.down();
        String second = s.progressLine(Duration.ofSeconds(7), t0 + TimeUnit.SECONDS.toNanos(5));
        assertThat(second).contains("connected=0", "acked=25", "rate=1.0 msg/s", "p50=8.00ms");
        // the summary still covers every message
        assertThat(s.summaryLine(Duration.ofSeconds(10))).contains("acked=25", "p50=2.00ms");
    }
}
