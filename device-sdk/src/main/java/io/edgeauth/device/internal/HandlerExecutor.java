package io.edgeauth.device.internal;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs user handlers (CoAP command handlers) off the transport's threads, one at a time and in order per
 * {@link #serial()} executor: a handler that blocks, say on a blocking call of its own client, must not hold the
 * only thread that could deliver the answer it waits for. The shared daemon threads are made on demand and end after
 * 30 s idle, so an idle device holds none; a blocked handler holds one. Not part of the API. Thread-safe.
 */
public final class HandlerExecutor implements Executor {
    public static final String THREAD_PREFIX = "edgeauth-sdk-handler-";
    private static final Logger LOG = LoggerFactory.getLogger(HandlerExecutor.class);
    private static final ThreadPoolExecutor POOL = pool();

    private final Queue<Runnable> tasks = new ArrayDeque<>();
    /** Whether a drain is queued or running on the pool; guarded by this. */
    private boolean draining;

    private HandlerExecutor() {
    }

    /** A new executor that runs its tasks one after another, in submission order, on the shared threads. */
    public static HandlerExecutor serial() {
        return new HandlerExecutor();
    }

    @Override
    public void execute(Runnable task) {
        synchronized (this) {
            tasks.add(task);
            if (draining) {
                return;
            }
            draining = true;
        }
        POOL.execute(this::drain);
    }

    private void drain() {
        while (true) {
            Runnable task;
            synchronized (this) {
                task = tasks.poll();
                if (task == null) {
                    draining = false;
                    return;
                }
            }
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.warn("a handler failed", e);
            }
        }
    }

    private static ThreadPoolExecutor pool() {
        AtomicInteger n = new AtomicInteger();
        return new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, THREAD_PREFIX + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }
}
