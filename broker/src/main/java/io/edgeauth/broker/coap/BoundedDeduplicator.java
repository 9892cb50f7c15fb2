package io.edgeauth.broker.coap;

import java.util.concurrent.ScheduledExecutorService;
import org.eclipse.californium.core.network.Exchange;
import org.eclipse.californium.core.network.InMemoryMessageExchangeStore;
import org.eclipse.californium.core.network.KeyMID;
import org.eclipse.californium.core.network.TokenGenerator;
import org.eclipse.californium.core.network.deduplication.Deduplicator;
import org.eclipse.californium.core.network.deduplication.DeduplicatorFactory;
import org.eclipse.californium.elements.config.Configuration;

/**
 * Californium's deduplicator (as configured: per-peer mark-and-sweep by default) with a bound on the requests it
 * remembers, all peers together. Californium bounds them per peer only: every request from a new source port is kept
 * (~3 KB) for the whole duplicate-detection window, so spoofed sources cost heap in proportion to their rate. Beyond
 * {@code max} a new request is processed but not remembered: under that load its retransmission is processed again
 * (at-least-once, as a retransmission after the window is anyway) instead of the heap running out.
 */
final class BoundedDeduplicator implements Deduplicator {
    /** What one remembered exchange costs, about (request, response, endpoint contexts). */
    static final long BYTES_PER_EXCHANGE = 3_000;

    private final Deduplicator delegate;
    private final int max;

    BoundedDeduplicator(Deduplicator delegate, int max) {
        this.delegate = delegate;
        this.max = max;
    }

    /**
     * The bound of one listener's deduplicator: {@code coap.maxDedupExchanges} shared by the listeners, or for 0 half
     * the heap's worth shared by them (a million devices that post every 35 s keep two each: 6 GB of a 12 GiB heap,
     * the sizing CoapSettings#DEFAULT_DEDUP_LIFETIME describes).
     */
    static int boundOf(CoapSettings settings, int listeners) {
        long all = settings.maxDedupExchanges() > 0 ? settings.maxDedupExchanges()
                : Runtime.getRuntime().maxMemory() / 2 / BYTES_PER_EXCHANGE;
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, all / Math.max(1, listeners)));
    }

    /** An exchange store for one endpoint whose deduplicator is Californium's configured one, bounded. */
    static InMemoryMessageExchangeStore exchangeStore(String tag, Configuration config, TokenGenerator tokens, int max) {
        InMemoryMessageExchangeStore store = new InMemoryMessageExchangeStore(tag, config, tokens);
        store.setDeduplicator(new BoundedDeduplicator(
                DeduplicatorFactory.getDeduplicatorFactory().createDeduplicator(config), max));
        return store;
    }

    @Override
    public Exchange findPrevious(KeyMID key, Exchange exchange) {
        if (delegate.size() >= max) { // the size is a sum of counters, not a walk; a race lets a few more in
            return delegate.find(key); // a duplicate of a remembered request still is one; a new one is not kept
        }
        return delegate.findPrevious(key, exchange);
    }

    @Override
    public boolean replacePrevious(KeyMID key, Exchange previous, Exchange exchange) {
        return delegate.replacePrevious(key, previous, exchange);
    }

    @Override
    public Exchange find(KeyMID key) {
        return delegate.find(key);
    }

    @Override
    public void start() {
        delegate.start();
    }

    @Override
    public void stop() {
        delegate.stop();
    }

    @Override
    public void setExecutor(ScheduledExecutorService executor) {
        delegate.setExecutor(executor);
    }

    @Override
    public boolean isEmpty() {
        return delegate.isEmpty();
    }

    @Override
    public int size() {
        return delegate.size();
    }

    @Override
    public void clear() {
        delegate.clear();
    }
}
