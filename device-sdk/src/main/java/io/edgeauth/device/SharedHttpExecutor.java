package io.edgeauth.device;

import java.util.concurrent.ExecutorService;

/**
 * The executor of every {@link java.net.http.HttpClient} the SDK creates itself: a fixed, small number
 * of daemon threads (the JDK's default executor is a cached pool that grew 18-25 threads under many
 * devices). The work on it is short: parsing a token response and completing a future.
 */
final class SharedHttpExecutor {
    /** Threads for all SDK-made HTTP clients together. */
    static final int THREADS = io.edgeauth.device.internal.SdkThreads.THREADS;
    static final String THREAD_PREFIX = io.edgeauth.device.internal.SdkThreads.THREAD_PREFIX;
    static final ExecutorService INSTANCE = io.edgeauth.device.internal.SdkThreads.EXECUTOR;
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
}
