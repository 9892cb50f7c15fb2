package io.edgeauth.broker.store;

import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When and how often the embedded store tries to reopen its file after MVStore closed it on a failed
 * write, and what to say meanwhile: at most one attempt per interval (a full disk fails every attempt,
 * and each one reads the file), one log line per outcome change. Used by the embedded store and the MQTT
 * session journal. Callers synchronize on it.
 */
public final class StoreReopener {
    private static final Logger LOG = LoggerFactory.getLogger(StoreReopener.class);

    private final String fileName;
    private final long intervalNanos;
    private final LongSupplier nanoTime;
    private long lastAttempt;
    private boolean attempted;
    private String lastFailure;
    private long reopens;

    public StoreReopener(String fileName, Duration interval, LongSupplier nanoTime) {
        this.fileName = fileName;
        this.intervalNanos = interval.toNanos();
        this.nanoTime = nanoTime;
    }

    /** True when an attempt may be made now (and counts it as made). */
    public boolean due() {
        long now = nanoTime.getAsLong();
        if (attempted && now - lastAttempt < intervalNanos) {
            return false;
        }
        attempted = true;
        lastAttempt = now;
        return true;
    }

    public void reopened() {
        reopens++;
        attempted = false;
        lastFailure = null;
        LOG.warn("store {} reopened after a write failure (reopen #{}): it takes writes again", fileName, reopens);
    }

    public void failed(RuntimeException e) {
        String message = String.valueOf(e.getMessage());
        if (!message.equals(lastFailure)) {
            LOG.error("store {} cannot be reopened yet, retrying every {} ms: {}", fileName,
                    intervalNanos / 1_000_000, message);
        }
        lastFailure = message;
    }

    /** Times the store was reopened. */
    public synchronized long reopens() {
        return reopens;
    }

    /** The OS's words ("No space left on device"), not MVStore's "Writing to FileChannelImpl@... failed". */
    public static String rootCause(Throwable t) {
        if (t == null) {
            return "closed";
        }
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    /** Why the store is out, for health and errors: the write failure, and the last reopen attempt. */
    public synchronized String describe(Throwable panic) {
        String cause = panic == null ? "closed" : "closed after a write failure (" + rootCause(panic) + ")";
        return lastFailure == null ? cause + "; reopening when writable"
                : cause + "; reopening failed, retrying: " + lastFailure;
    }
}
