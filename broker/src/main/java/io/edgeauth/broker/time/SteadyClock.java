package io.edgeauth.broker.time;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's one notion of "now": the wall clock, except that it never steps back. When the wall
 * clock steps back by more than {@link #STEP_MILLIS} (an operator, a VM restore, a bad NTP source), the
 * difference is kept as an offset and time goes on at the rate of the monotonic clock, so a token that
 * expired stays expired, a consumed nonce's record and a revocation do not come back to life, and tokens
 * issued meanwhile get sane lifetimes. A forward step is followed (it may be the correction of a clock that
 * was behind) and first uses up any offset kept from an earlier step back. Steps and slewing under a
 * second are followed as they are (well inside the 30 s token leeway). The offset lasts until a restart.
 * Thread-safe, lock-free.
 */
public final class SteadyClock extends Clock {
    private static final Logger LOG = LoggerFactory.getLogger(SteadyClock.class);
    /** A wall-clock change against the monotonic clock beyond this is a step, not drift. */
    public static final long STEP_MILLIS = 1000;
    /** How often the pair of readings is renewed when nothing happens. */
    private static final long SAMPLE_MILLIS = 200;

    private final Clock wall;
    private final LongSupplier monotonicNanos;
    private final AtomicReference<Sample> last;

    /** Readings of both clocks at one moment, and the offset in force from then on. */
    private record Sample(long wallMillis, long monotonicNanos, long offsetMillis) {
    }

    /** Over {@code wall}, with {@link System#nanoTime()} as the monotonic clock. */
    public SteadyClock(Clock wall) {
        this(wall, System::nanoTime);
    }

    /** Over {@code wall} with the given monotonic clock (tests). */
    public SteadyClock(Clock wall, LongSupplier monotonicNanos) {
        this.wall = wall;
        this.monotonicNanos = monotonicNanos;
        this.last = new AtomicReference<>(new Sample(wall.millis(), monotonicNanos.getAsLong(), 0));
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }

    @Override
    public long millis() {
        while (true) {
            long mono = monotonicNanos.getAsLong();
            long wallMillis = wall.millis();
            Sample s = last.get();
            long monoElapsed = (mono - s.monotonicNanos()) / 1_000_000;
            long step = (wallMillis - s.wallMillis()) - monoElapsed; // < 0: the wall clock went back
            if (Math.abs(step) <= STEP_MILLIS && monoElapsed < SAMPLE_MILLIS) {
                return wallMillis + s.offsetMillis();
            }
            long offset = s.offsetMillis();
            if (step < -STEP_MILLIS) {
                offset -= step;
            } else if (step > STEP_MILLIS && offset > 0) {
                offset = Math.max(0, offset - step);
            }
            if (last.compareAndSet(s, new Sample(wallMillis, mono, offset))) {
                if (offset != s.offsetMillis()) {
                    LOG.warn("the wall clock stepped {} by {} ms; the broker's time runs {} ms ahead of it (it never "
                            + "steps back)", step < 0 ? "back" : "forward", Math.abs(step), offset);
                }
                return wallMillis + offset;
            }
        }
    }

    /** How far this clock is ahead of the wall clock after steps back (0 normally). */
    public long offsetMillis() {
        return last.get().offsetMillis();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        if (zone.equals(ZoneOffset.UTC)) {
            return this;
        }
        throw new UnsupportedOperationException("the broker's clock is UTC only");
    }
}
