package io.edgeauth.broker.auth;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Runs another {@link AuthPipeline} on a bounded pool of its own, so an edge that calls it on an event loop (the
 * MQTT CONNECT and re-authentication) or a protocol thread (CoAP token uploads) keeps that thread for I/O: the
 * token's signature check, the registry and revocation look-ups and the audit line happen on a pool thread, and the
 * edge brings the answer back onto its own thread. One thread per core (the work is CPU-bound); the queue is
 * bounded: an attempt that finds it full fails at once with {@link RejectionReason#SERVER_BUSY} (a retryable
 * refusal, MQTT 0x89, CoAP 5.03), which the admission limit in front of the pipeline normally makes unreachable.
 * Thread-safe; {@link #close()} stops the pool.
 */
public final class WorkerPoolAuthPipeline implements AuthPipeline, AutoCloseable {
    private final AuthPipeline pipeline;
    private final ThreadPoolExecutor pool;

    /**
     * @param threads       pool threads (at least 1)
     * @param queueCapacity attempts that may wait for a thread (at least 1)
     */
    public WorkerPoolAuthPipeline(AuthPipeline pipeline, int threads, int queueCapacity, String name) {
        if (threads < 1 || queueCapacity < 1) {
            throw new IllegalArgumentException("threads and queue capacity must be at least 1");
        }
        this.pipeline = pipeline;
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(queueCapacity), r -> {
                    Thread t = new Thread(r, name + "-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    /** The pool's waiting attempts as {@code edgeauth_auth_pool_queue{pool=name}}. */
    public WorkerPoolAuthPipeline bindTo(MeterRegistry meters, String name) {
        Gauge.builder("edgeauth.auth.pool.queue", pool, p -> p.getQueue().size()).tag("pool", name)
                .description("authentications waiting for a pool thread").register(meters);
        return this;
    }

    @Override
    public CompletionStage<DeviceSession> authenticate(AuthRequest request) {
        return offload(() -> pipeline.authenticate(request));
    }

    /**
     * Runs other work of the same kind on this pool (the CoAP edge's {@code /token}: assertion check, signing,
     * the replay guard's write), with the same bounded queue and the same refusal when it is full.
     */
    public <T> CompletionStage<T> offload(Supplier<? extends CompletionStage<T>> work) {
        CompletableFuture<T> answer = new CompletableFuture<>();
        try {
            pool.execute(() -> {
                try {
                    work.get().whenComplete((s, err) -> {
                        if (err != null) {
                            answer.completeExceptionally(err);
                        } else {
                            answer.complete(s);
                        }
                    });
                } catch (RuntimeException e) {
                    answer.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            answer.completeExceptionally(new TokenRejectedException(RejectionReason.SERVER_BUSY,
                    "authentication queue full"));
        }
        return answer;
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
