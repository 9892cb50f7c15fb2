package io.edgeauth.device.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * Retries an operation a busy broker refused retryably (HTTP 503/429, MQTT CONNACK 0x89/0x97 or 3.1.1
 * 0x03, CoAP 5.03) after a jittered backoff, so a fleet that starts at once spreads itself out instead of
 * failing or hammering the broker in lockstep. Not part of the API.
 */
public final class BusyRetry {
    /** What {@code busyHint} answers for a failure that is not a retryable refusal. */
    public static final long NOT_BUSY = -1;

    private BusyRetry() {
    }

    /** {@code retries} if it is 0..100, else IllegalArgumentException naming the setting. */
    public static int checkRetries(int retries) {
        if (retries < 0 || retries > 100) {
            throw new IllegalArgumentException("busyRetries must be 0..100");
        }
        return retries;
    }

    /**
     * The backoff before retry number {@code retry} (from 0): exponential from 500 ms up to 30 s, and never less than
     * the broker's hint ({@code Retry-After}, Max-Age; at most 60 s); times a random factor in [0.5, 1.5) so the
     * retries of many devices do not arrive together.
     */
    public static long backoffMillis(long hintSeconds, int retry) {
        long exponential = Math.min(500L << Math.min(retry, 6), 30_000L);
        // the hint is the least wait, not the only one: a broker that keeps refusing has a herd larger than it takes
        // at once, and a constant 1 s hint had every device ask again each second (a request and an answer each for
        // the broker), the unlucky ones running out of retries while the herd was still being served
        long base = hintSeconds > 0 ? Math.max(Math.min(hintSeconds, 60) * 1000L, exponential) : exponential;
        return (long) (base * (0.5 + ThreadLocalRandom.current().nextDouble()));
    }

    /**
     * Runs {@code attempt}; while it fails with a failure {@code busyHint} calls retryable (a hint in seconds,
     * 0 for none; {@link #NOT_BUSY} otherwise) and fewer than {@code retries} retries were made, waits
     * {@link #backoffMillis} and runs it again. Other failures, and the last busy one, fail the result.
     */
    public static <T> CompletableFuture<T> run(Supplier<CompletableFuture<T>> attempt, ToLongFunction<Throwable> busyHint,
                                               int retries) {
        return run(attempt, busyHint, retries, 0);
    }

    private static <T> CompletableFuture<T> run(Supplier<CompletableFuture<T>> attempt, ToLongFunction<Throwable> busyHint,
                                                int retries, int retry) {
        CompletableFuture<T> first;
        try {
            first = attempt.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return first.handle((value, error) -> {
            if (error == null) {
                return CompletableFuture.completedFuture(value);
            }
            Throwable cause = MqttFailures.unwrap(error);
            long hint = retry < retries ? busyHint.applyAsLong(cause) : NOT_BUSY;
            if (hint == NOT_BUSY) {
                return CompletableFuture.<T>failedFuture(cause instanceof CompletionException ? error : cause);
            }
            return CompletableFuture.runAsync(() -> { },
                    SdkThreads.after(backoffMillis(hint, retry)))
                    .thenCompose(x -> run(attempt, busyHint, retries, retry + 1));
        }).thenCompose(f -> f);
    }
}
