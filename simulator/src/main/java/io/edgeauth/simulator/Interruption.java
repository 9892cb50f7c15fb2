package io.edgeauth.simulator;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C and SIGTERM during a command: a shutdown hook asks the command to stop ({@code onStop}) and holds the
 * JVM's exit until the command has written what it counted (closed this), for at most {@code bound}. Without it the
 * JVM ended at once: no summary, no run.json, nothing saying the run was cut. The process still exits with the
 * JVM's status for the signal (130 for SIGINT, 143 for SIGTERM).
 */
final class Interruption implements AutoCloseable {
    private final Thread hook;
    private final CountDownLatch done = new CountDownLatch(1);

    private Interruption(Runnable onStop, Duration bound) {
        this.hook = new Thread(() -> {
            onStop.run();
            try {
                done.await(bound.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "sim-interrupt");
    }

    /** Installs the hook until {@link #close()}. */
    static Interruption onSignal(Runnable onStop, Duration bound) {
        Interruption i = new Interruption(onStop, bound);
        Runtime.getRuntime().addShutdownHook(i.hook);
        return i;
    }

    /** The command has finished (its results are written): the hook, if running, lets the JVM exit. */
    @Override
    public void close() {
        done.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down (the signal came): the hook is running and returns now
        }
    }
}
