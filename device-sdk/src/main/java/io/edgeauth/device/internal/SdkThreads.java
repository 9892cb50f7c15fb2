package io.edgeauth.device.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The SDK's few daemon threads: the executor of every HTTP client it makes and of its delayed steps (a retry after a
 * busy answer, a command observation registered again). A delayed {@code CompletableFuture} step without an executor
 * runs on the common pool, and on a host of 2 cores or fewer (the common pool's parallelism is then 1) the JDK starts a
 * new thread for each such step: a gateway on a small board started 192 threads in 38 connect cycles (tour AB, AB14).
 * Not part of the API.
 */
public final class SdkThreads {
    /** Threads for all the SDK's work together. */
    public static final int THREADS = 2;
    public static final String THREAD_PREFIX = "edgeauth-sdk-http-";
    /** The short steps: parsing a token response, completing a future, starting a retry. */
    public static final ExecutorService EXECUTOR = create();

    private SdkThreads() {
    }

    /** An executor that runs its task on {@link #EXECUTOR} after {@code millis}. */
    public static Executor after(long millis) {
        return CompletableFuture.delayedExecutor(millis, TimeUnit.MILLISECONDS, EXECUTOR);
    }

    private static ExecutorService create() {
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor e = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, THREAD_PREFIX + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        e.allowCoreThreadTimeOut(true); // an idle device holds no SDK thread
        return e;
    }
}
