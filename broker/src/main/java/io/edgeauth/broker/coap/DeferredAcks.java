package io.edgeauth.broker.coap;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.eclipse.californium.core.server.resources.CoapExchange;

/**
 * Acknowledges a confirmable request whose answer is still being worked out once it has waited a while (RFC 7252
 * §5.2.2), so that the client stops retransmitting it; an answer that comes sooner rides on the ACK as usual. The
 * edge authenticates on a pool, so every token upload is answered from another thread: accepting each one at once
 * would cost one more datagram each way for every upload, and never accepting would let a slow answer draw the
 * client's retransmissions. Written here because Californium has no such setting. Thread-safe.
 */
final class DeferredAcks implements AutoCloseable {
    /**
     * Before the first retransmission of a client on RFC 7252's defaults (ACK_TIMEOUT 2 s, so 2 to 3 s), and late
     * enough that an answer queued behind a herd still rides on the ACK: with 500 ms an 8,000-device herd drew many
     * more separate responses, two more datagrams each for both sides when both were busiest.
     */
    static final Duration DELAY = Duration.ofMillis(1500);

    private final long delayNanos;
    private final ScheduledThreadPoolExecutor timer;

    DeferredAcks(Duration delay) {
        this.delayNanos = delay.toNanos();
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "coap-edge-acks");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true); // a herd answered in time leaves no cancelled timers behind
    }

    /** Sends {@code exchange}'s empty ACK if {@code answer} is not complete within the delay. */
    void acknowledgeLater(CoapExchange exchange, CompletionStage<?> answer) {
        CompletableFuture<?> pending = answer.toCompletableFuture();
        if (pending.isDone()) {
            return;
        }
        ScheduledFuture<?> ack;
        try {
            // Californium's acknowledge() is a compare-and-set: if the answer wins the race, no ACK is sent
            ack = timer.schedule(exchange::accept, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) { // stopped: the edge is closing
            exchange.accept();
            return;
        }
        pending.whenComplete((r, e) -> ack.cancel(false));
    }

    /** Timers waiting now (for tests). */
    int pending() {
        return timer.getQueue().size();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
