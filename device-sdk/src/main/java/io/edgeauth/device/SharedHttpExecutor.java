package io.edgeauth.device;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The executor of every {@link java.net.http.HttpClient} the SDK creates itself: a fixed, small number
 * of daemon threads (the JDK's default executor is a cached pool that grew 18-25 threads under many
 * devices). The work on it is short: parsing a token response and completing a future.
 */
final class SharedHttpExecutor {
    /** Threads for all SDK-made HTTP clients together. */
    static final int THREADS = 2;
    static final String THREAD_PREFIX = "edgeauth-sdk-http-";
    static final ExecutorService INSTANCE = create();
    /** Connect timeout of {@link #DEFAULT_CLIENT}: the builder's default. */
    static final java.time.Duration DEFAULT_CONNECT_TIMEOUT = java.time.Duration.ofSeconds(10);
    /**
     * The client of every {@link TokenClient} built without one and with the default connect timeout: one
     * selector thread and {@link #THREADS} workers for all of them, however many devices a process hosts.
     */
    static final java.net.http.HttpClient DEFAULT_CLIENT = java.net.http.HttpClient.newBuilder()
            .connectTimeout(DEFAULT_CONNECT_TIMEOUT).followRedirects(java.net.http.HttpClient.Redirect.NEVER)
            .executor(INSTANCE).build();

    private SharedHttpExecutor() {
    }

    private static ExecutorService create() {
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor e = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, THREAD_PREFIX + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        e.allowCoreThreadTimeOut(true); // an idle device holds no HTTP thread
        return e;
    }
}
