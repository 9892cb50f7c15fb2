package io.edgeauth.broker.keys;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs a key store's prune every period; a failure is logged and tried again at the next run. */
final class PeriodicPrune {
    private static final Logger LOG = LoggerFactory.getLogger(PeriodicPrune.class);

    /** A prune that may fail on the vault. */
    interface Prune {
        void run() throws IOException;
    }

    private PeriodicPrune() {
    }

    /** Schedules {@code prune} every {@code period} (first after one period); {@code what} names it in the log. */
    static ScheduledFuture<?> every(ScheduledExecutorService scheduler, Duration period, Prune prune, String what) {
        long ms = period.toMillis();
        return scheduler.scheduleWithFixedDelay(() -> {
            try {
                prune.run();
            } catch (IOException | RuntimeException e) {
                LOG.warn("pruning {} failed: {}", what, e.toString());
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
    }
}
