package io.edgeauth.device.internal;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A body handler that reads at most {@code limit} bytes and fails with {@link TooLargeException}
 * (cancelling the transfer) beyond that, so a hostile or broken server cannot exhaust memory.
 */
public final class LimitedBody implements HttpResponse.BodyHandler<byte[]> {
    private final int limit;

    public LimitedBody(int limit) {
        this.limit = limit;
    }

    /** Thrown (inside the future) when the body is larger than the limit. */
    public static final class TooLargeException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TooLargeException(int limit) {
            super("response body larger than " + limit + " bytes");
        }
    }

    @Override
    public HttpResponse.BodySubscriber<byte[]> apply(HttpResponse.ResponseInfo info) {
        long declared = info.headers().firstValueAsLong("content-length").orElse(-1L);
        return new Subscriber(limit, declared > limit);
    }

    private static final class Subscriber implements HttpResponse.BodySubscriber<byte[]> {
        private final int limit;
        private final boolean rejectAtOnce;
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private Flow.Subscription subscription;

        Subscriber(int limit, boolean rejectAtOnce) {
            this.limit = limit;
            this.rejectAtOnce = rejectAtOnce;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            this.subscription = s;
            if (rejectAtOnce) {
                s.cancel();
                result.completeExceptionally(new TooLargeException(limit));
            } else {
                s.request(Long.MAX_VALUE);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer b : items) {
                if (out.size() + b.remaining() > limit) {
                    subscription.cancel();
                    result.completeExceptionally(new TooLargeException(limit));
                    return;
                }
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                out.write(chunk, 0, chunk.length);
            }
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(out.toByteArray());
        }
    }
}
