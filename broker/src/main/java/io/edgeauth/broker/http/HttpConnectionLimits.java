package io.edgeauth.broker.http;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpConnection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds the HTTP connections the broker holds open: in all ({@code http.maxConnections}) and from one source address
 * ({@code http.maxConnectionsPerAddress}, 0: no such bound). A connection past a bound is closed as soon as it is
 * accepted, before it is read. Without them, connections that send nothing (or a byte now and then) held a file
 * descriptor each until the process had none left, and every listener, MQTT included, stopped accepting. Connections
 * that stay silent are closed by the servers' idle timeout ({@code http.idleTimeout}).
 * <p>
 * The last tenth of {@code http.maxConnections} is kept for addresses that hold less than a tenth each: without a
 * per-address bound (the default, since devices behind NAT or a proxy share addresses), one address could take every
 * place, the liveness probe's too, and keep them by opening a connection a second per place it holds for every second
 * of {@code http.idleTimeout}. A shared proxy is not bound by this until the node is nearly full. Thread-safe.
 */
final class HttpConnectionLimits {
    private final int max;
    private final int perAddress;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<String, AtomicInteger> byAddress = new ConcurrentHashMap<>();
    private final AtomicLong refusedMax = new AtomicLong();
    private final AtomicLong refusedAddress = new AtomicLong();

    private final int crowded;
    private final java.util.function.Predicate<String> proxy;
    private final int share;

    /** @param max at most this many open connections; {@code perAddress} from one address (0: unbounded) */
    HttpConnectionLimits(int max, int perAddress) {
        this(max, perAddress, address -> false);
    }

    /**
     * As above; connections from an address {@code proxy} accepts (a trusted reverse proxy, carrying many clients)
     * are bounded by {@code max} only.
     */
    HttpConnectionLimits(int max, int perAddress, java.util.function.Predicate<String> proxy) {
        this.max = max;
        this.perAddress = perAddress;
        this.proxy = proxy;
        this.share = Math.max(1, max / 10);
        this.crowded = max - share;
    }

    /** The servers' connection handler: counts the connection, or closes it when a bound is reached. */
    void accept(HttpConnection connection) {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            refusedMax.incrementAndGet();
            connection.close();
            return;
        }
        String peer = connection.remoteAddress() != null ? connection.remoteAddress().hostAddress() : null;
        String address = peer != null && !proxy.test(peer) ? peer : null; // a trusted proxy: the total bound only
        if (address != null) {
            int[] count = new int[1];
            byAddress.compute(address, (a, n) -> { // atomic with release's removal of an entry back at zero
                AtomicInteger c = n == null ? new AtomicInteger() : n;
                count[0] = c.incrementAndGet();
                return c;
            });
            if (perAddress > 0 && count[0] > perAddress || count[0] > share && open.get() > crowded) {
                release(address);
                open.decrementAndGet();
                refusedAddress.incrementAndGet();
                connection.close();
                return;
            }
        }
        connection.closeHandler(v -> {
            open.decrementAndGet();
            if (address != null) {
                release(address);
            }
        });
    }

    private void release(String address) {
        // the entry goes once its count is back to zero, so the map holds the addresses with connections only
        byAddress.computeIfPresent(address, (a, n) -> n.decrementAndGet() <= 0 ? null : n);
    }

    /** {@code edgeauth_http_connections} and {@code edgeauth_http_connections_refused_total{limit}}. */
    void register(MeterRegistry meters) {
        Gauge.builder("edgeauth.http.connections", open, AtomicInteger::get)
                .description("HTTP and HTTPS connections open now").register(meters);
        FunctionCounter.builder("edgeauth.http.connections.refused", refusedMax, AtomicLong::get).tag("limit", "total")
                .description("HTTP connections closed on accept: http.maxConnections reached").register(meters);
        FunctionCounter.builder("edgeauth.http.connections.refused", refusedAddress, AtomicLong::get)
                .tag("limit", "address")
                .description("HTTP connections closed on accept: http.maxConnectionsPerAddress reached, or the node nearly full "
                        + "and the address holding a tenth of http.maxConnections").register(meters);
    }
}
