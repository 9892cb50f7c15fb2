package io.edgeauth.broker.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.edgeauth.broker.refusal.RejectionReason;
import io.edgeauth.broker.refusal.TokenRejectedException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The pool the MQTT and CoAP edges authenticate on: off the caller's thread, bounded, failures passed on. */
class WorkerPoolAuthPipelineTest {
    private static final AuthRequest REQUEST = new AuthRequest("pump-1", new byte[] {1},
            TransportFacts.plain(Protocol.MQTT, new java.net.InetSocketAddress("127.0.0.1", 1883)), null);

    @Test
    void thePipelineRunsOnAPoolThreadNotTheCallers() throws Exception {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        try (WorkerPoolAuthPipeline pool = new WorkerPoolAuthPipeline(r -> {
            ranOn.set(Thread.currentThread());
            return CompletableFuture.completedFuture(null);
        }, 2, 8, "test-auth")) {
            pool.authenticate(REQUEST).toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
        assertThat(ranOn.get()).isNotSameAs(Thread.currentThread());
        assertThat(ranOn.get().getName()).startsWith("test-auth-");
    }

    @Test
    void otherWorkRunsOnThePoolTooAndItsAnswerIsPassedOn() throws Exception {
        try (WorkerPoolAuthPipeline pool = new WorkerPoolAuthPipeline(r -> CompletableFuture.completedFuture(null), 1, 8,
                "test-auth")) {
            String ranOn = pool.offload(() -> CompletableFuture.completedFuture(Thread.currentThread().getName()))
                    .toCompletableFuture().get(60, TimeUnit.SECONDS);
            assertThat(ranOn).startsWith("test-auth-");
            CompletableFuture<Object> failed = pool.offload(() -> CompletableFuture.failedFuture(
                    new TokenRejectedException(RejectionReason.REPLAYED, "seen"))).toCompletableFuture();
            assertThat(reason(failed)).isEqualTo(RejectionReason.REPLAYED);
        }
    }

    @Test
    void aFullQueueIsRefusedAtOnceAsServerBusyAndTheQueuedOnesStillRun() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        AuthPipeline blocking = r -> {
            started.incrementAndGet();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return CompletableFuture.completedFuture(null);
        };
        try (WorkerPoolAuthPipeline pool = new WorkerPoolAuthPipeline(blocking, 1, 1, "test-auth")) {
            CompletableFuture<DeviceSession> running = pool.authenticate(REQUEST).toCompletableFuture();
            await().atMost(Duration.ofSeconds(60)).until(() -> started.get() == 1);
            CompletableFuture<DeviceSession> queued = pool.authenticate(REQUEST).toCompletableFuture();
            CompletableFuture<DeviceSession> refused = pool.authenticate(REQUEST).toCompletableFuture();
            assertThat(refused).isCompletedExceptionally();
            assertThat(reason(refused)).isEqualTo(RejectionReason.SERVER_BUSY);
            assertThat(running).isNotDone();
            release.countDown();
            running.get(60, TimeUnit.SECONDS);
            queued.get(60, TimeUnit.SECONDS);
            assertThat(started).hasValue(2);
        }
    }

    @Test
    void aRefusalAndAnExceptionOfThePipelineReachTheCaller() throws Exception {
        try (WorkerPoolAuthPipeline refusing = new WorkerPoolAuthPipeline(
                r -> CompletableFuture.failedFuture(new TokenRejectedException(RejectionReason.EXPIRED, "exp")),
                1, 4, "test-auth");
             WorkerPoolAuthPipeline throwing = new WorkerPoolAuthPipeline(r -> {
                 throw new IllegalStateException("boom");
             }, 1, 4, "test-auth")) {
            assertThat(reason(refusing.authenticate(REQUEST))).isEqualTo(RejectionReason.EXPIRED);
            CompletableFuture<DeviceSession> thrown = throwing.authenticate(REQUEST).toCompletableFuture();
            await().atMost(Duration.ofSeconds(60)).until(thrown::isDone);
            assertThat(thrown).isCompletedExceptionally();
            try {
                thrown.get();
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(IllegalStateException.class).hasMessage("boom");
            }
        }
    }

    private static RejectionReason reason(CompletionStage<?> stage) throws InterruptedException {
        try {
            stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
            throw new AssertionError("expected a refusal");
        } catch (ExecutionException e) {
            return ((TokenRejectedException) e.getCause()).reason();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("no answer", e);
        }
    }
}
