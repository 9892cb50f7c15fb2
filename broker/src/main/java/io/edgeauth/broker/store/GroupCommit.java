package io.edgeauth.broker.store;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for a store whose {@code commit} makes every change applied before it durable: writers
 * apply their change, then {@link #afterChange()} hands them the future of the next commit; one
 * committer thread commits whatever has accumulated while the previous commit ran and completes the
 * futures of every writer it covers. Many writers, one commit; no writer is answered before its change
 * is committed. Thread-safe.
 */
final class GroupCommit implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCommit.class);

    private final Runnable commit;
    private final Thread committer;
    private final Object lock = new Object();
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong changes = new AtomicLong();
    // guarded by lock: the future every change since the last swap waits for
    private CompletableFuture<Void> next = new CompletableFuture<>();
    private boolean dirty;
    private boolean closed;

    GroupCommit(Runnable commit, String threadName) {
        this.commit = commit;
        this.committer = new Thread(this::run, threadName);
        committer.setDaemon(true);
        committer.start();
    }

    /**
     * Call after applying a change: the returned future completes once a commit that began after this
     * call has finished (exceptionally if that commit failed).
     */
    CompletableFuture<Void> afterChange() {
        changes.incrementAndGet();
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("the store is closed"));
            }
            dirty = true;
            lock.notifyAll();
            return next;
        }
    }

    /** Commits so far (one per batch of changes). */
    long commits() {
        return commits.get();
    }

    /** Changes so far. */
    long changes() {
        return changes.get();
    }

    private void run() {
        while (true) {
            CompletableFuture<Void> batch;
            synchronized (lock) {
                while (!dirty && !closed) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                if (!dirty) {
                    return; // closed with nothing pending
                }
                // every change that took this future was applied before this swap, so before the commit below
                batch = next;
                next = new CompletableFuture<>();
                dirty = false;
            }
            try {
                commit.run();
                commits.incrementAndGet();
                batch.complete(null);
            } catch (StoreUnavailableException e) { // a full disk fails every batch: one line each, no trace
                LOG.warn("store commit failed; the writers of this batch are told so: {}", e.getMessage());
                batch.completeExceptionally(e);
            } catch (RuntimeException | Error e) {
                LOG.error("store commit failed; the writers of this batch are told so", e);
                batch.completeExceptionally(e);
            }
        }
    }

    /** Commits what is pending and stops the committer. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        try {
            committer.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
