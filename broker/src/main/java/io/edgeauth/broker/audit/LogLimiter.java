package io.edgeauth.broker.audit;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * At most one application-log line per interval for one kind of occurrence that clients can repeat at will (refused
 * handshakes, connections past a cap, requests refused during a store outage): the first is logged, the others in
 * the interval are counted, and the next logged line says how many were left out. Without it a flood, or a fleet
 * retrying through an outage, writes one line per attempt. Metrics still count every one. Thread-safe.
 */
public final class LogLimiter {
    private final long intervalNanos;
    private final LongSupplier nanos;
    private final AtomicLong nextNanos;
    private final AtomicLong skipped = new AtomicLong();

    public LogLimiter(Duration interval) {
        this(interval, System::nanoTime);
    }

    LogLimiter(Duration interval, LongSupplier nanos) {
        this.intervalNanos = interval.toNanos();
        this.nanos = nanos;
        this.nextNanos = new AtomicLong(nanos.getAsLong());
    }

    /**
     * Whether this occurrence may be logged: -1 if not (it is counted), else how many were left out since the last
     * logged one.
     */
    public long permit() {
        long now = nanos.getAsLong();
        long next = nextNanos.get();
        if (now - next >= 0 && nextNanos.compareAndSet(next, now + intervalNanos)) {
            return skipped.getAndSet(0);
        }
        skipped.incrementAndGet();
        return -1;
    }

    /** The suffix of a logged line that says how many were left out: empty for none. */
    public static String leftOut(long skipped) {
        return skipped > 0 ? " (" + skipped + " more since the last such line)" : "";
    }
}
