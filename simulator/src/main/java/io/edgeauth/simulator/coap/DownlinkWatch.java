package io.edgeauth.simulator.coap;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.eclipse.californium.core.coap.Response;

/**
 * What one device's Observe relation on {@code /d/{id}/down} brings after its registration: commands (the
 * simulator's 20-byte header: send time, device index, sequence number), matched to the ones the run awaits, and
 * the error notification (4.01) with which the broker ends the relation when it drops the session. A command
 * addressed to another device fails its wait as misrouted. Thread-safe.
 */
public final class DownlinkWatch implements Consumer<Response> {
    /** Bytes of the header a simulated command starts with. */
    static final int HEADER = 20;

    private final long deviceIndex;
    private final CompletableFuture<String> ended = new CompletableFuture<>();
    private final ConcurrentHashMap<Integer, CompletableFuture<Long>> awaited = new ConcurrentHashMap<>();

    public DownlinkWatch(long deviceIndex) {
        this.deviceIndex = deviceIndex;
    }

    /**
     * Awaits command {@code seq}; call before publishing it. Completes with its latency (send to arrival, ns), or
     * fails with {@link CoapTransportException} kind {@code misrouted} when a command for another device arrives.
     */
    public CompletableFuture<Long> expect(int seq) {
        return awaited.computeIfAbsent(seq, s -> new CompletableFuture<>());
    }

    /** Completes with the response code (e.g. {@code 4.01}) of the notification that ended the relation. */
    public CompletableFuture<String> ended() {
        return ended;
    }

    @Override
    public void accept(Response notification) {
        if (!notification.isSuccess()) {
            ended.complete(notification.getCode().text);
            return;
        }
        byte[] p = notification.getPayload();
        if (p == null || p.length < HEADER) {
            return; // the empty state a (re-)registration reports: not a command
        }
        ByteBuffer b = ByteBuffer.wrap(p);
        long sent = b.getLong();
        long index = b.getLong();
        int seq = b.getInt();
        CompletableFuture<Long> waiting = awaited.remove(seq);
        if (waiting == null) {
            return; // a repeated notification of a command already seen
        }
        if (index != deviceIndex) {
            waiting.completeExceptionally(new CoapTransportException("misrouted", null));
        } else {
            waiting.complete(System.nanoTime() - sent);
        }
    }
}
