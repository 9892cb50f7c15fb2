package io.edgeauth.device.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The blocking views' wait. Not part of the API. */
public final class Futures {
    private Futures() {
    }

    /**
     * The future's value, waiting up to {@code timeout}: its own runtime failure is rethrown as it is, any other
     * failure, a timeout or an interrupt (flag kept) as a {@link CompletionException}.
     */
    public static <T> T await(CompletableFuture<T> f, Duration timeout) {
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompletionException(e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof RuntimeException ? (RuntimeException) c : new CompletionException(c);
        } catch (TimeoutException e) {
            // say what was waited for: a bare TimeoutException reads like the broker's doing
            TimeoutException said = new TimeoutException("no answer within the blocking timeout (" + timeout
                    + "); the request goes on: its future may still complete");
            said.setStackTrace(e.getStackTrace());
            throw new CompletionException(said.getMessage(), said);
        }
    }
}
