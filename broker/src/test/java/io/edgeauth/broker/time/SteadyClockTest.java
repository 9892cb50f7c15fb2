package io.edgeauth.broker.time;

import static org.assertj.core.api.Assertions.assertThat;

import io.edgeauth.broker.testsupport.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The broker's clock over a wall clock that steps, with a monotonic clock the test advances. */
class SteadyClockTest {
    private final MutableClock wall = new MutableClock(Instant.parse("2026-06-01T00:00:00Z"));
    private final AtomicLong mono = new AtomicLong(1_000_000_000L);
    private final SteadyClock clock = new SteadyClock(wall, mono::get);

    private void elapse(Duration d) {
        wall.advance(d);
        mono.addAndGet(d.toNanos());
    }

    @Test
    void followsTheWallClockWhileNothingSteps() {
        elapse(Duration.ofSeconds(5));
        assertThat(clock.instant()).isEqualTo(wall.instant());
        assertThat(clock.offsetMillis()).isZero();
    }

    @Test
    void aStepBackIsNotFollowedButTimeGoesOn() {
        elapse(Duration.ofSeconds(1));
        Instant before = clock.instant();
        wall.advance(Duration.ofHours(-1));
        assertThat(clock.instant()).isEqualTo(before);
        elapse(Duration.ofSeconds(10));
        assertThat(clock.instant()).isEqualTo(before.plusSeconds(10));
        assertThat(clock.offsetMillis()).isEqualTo(Duration.ofHours(1).toMillis());
    }

    @Test
    void aStepForwardIsFollowedAndUsesUpAnEarlierOffset() {
        wall.advance(Duration.ofHours(-1));
        clock.instant();
        wall.advance(Duration.ofMinutes(90)); // back to true time, plus 30 minutes
        Instant expected = wall.instant();
        assertThat(clock.instant()).isEqualTo(expected);
        assertThat(clock.offsetMillis()).isZero();
    }

    @Test
    void driftUnderASecondIsFollowed() {
        elapse(Duration.ofMillis(100));
        wall.advance(Duration.ofMillis(-400)); // NTP slewing, a leap smear
        assertThat(clock.instant()).isEqualTo(wall.instant());
    }
}
