package io.edgeauth.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoadShapeTest {
    @Test
    void rampStartsDevicesAtTheConnectRate() {
        LoadShape s = new LoadShape(1000, 100, 2);
        assertThat(s.startedBy(Duration.ZERO)).isEqualTo(1);
        assertThat(s.startedBy(Duration.ofMillis(9))).isEqualTo(1);
        assertThat(s.startedBy(Duration.ofMillis(10))).isEqualTo(2);
        assertThat(s.startedBy(Duration.ofSeconds(1))).isEqualTo(101);
        assertThat(s.startedBy(Duration.ofSeconds(100))).isEqualTo(1000);
        assertThat(s.startOf(0)).isEqualTo(Duration.ZERO);
        assertThat(s.startOf(250)).isEqualTo(Duration.ofMillis(2500));
        assertThat(s.rampDuration()).isEqualTo(Duration.ofMillis(9990));
        // startOf and startedBy agree
        for (int i = 0; i < 1000; i += 37) {
            assertThat(s.startedBy(s.startOf(i))).isGreaterThan(i);
        }
    }

    @Test
    void zeroConnectRateStartsEveryoneAtOnce() {
        LoadShape s = new LoadShape(50, 0, 1);
        assertThat(s.startedBy(Duration.ZERO)).isEqualTo(50);
        assertThat(s.rampDuration()).isEqualTo(Duration.ZERO);
        assertThat(new LoadShape(0, 10, 1).startedBy(Duration.ofHours(1))).isZero();
    }

    @Test
    void publishIntervalAndPhases() {
        LoadShape s = new LoadShape(100, 10, 4);
        assertThat(s.publishInterval()).isEqualTo(Duration.ofMillis(250));
        assertThat(s.targetRate()).isEqualTo(400.0);
        Set<Long> phases = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            Duration d = s.firstPublishDelay(i);
            assertThat(d).isGreaterThanOrEqualTo(Duration.ZERO).isLessThan(s.publishInterval());
            phases.add(d.toMillis() / 25); // ten buckets of 25 ms
        }
        assertThat(phases).hasSize(10); // spread over the whole interval, not bunched
        assertThat(new LoadShape(5, 1, 0).publishInterval()).isNull();
        assertThat(new LoadShape(5, 1, 0).firstPublishDelay(3)).isNull();
        assertThat(new LoadShape(1, 1, 0.5).publishInterval()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void rejectsNegativeValues() {
        assertThatThrownBy(() -> new LoadShape(-1, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LoadShape(1, 1, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
