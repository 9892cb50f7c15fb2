package io.edgeauth.device;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.scandium.config.DtlsConfig;

/**
 * Threads shared by many {@link DeviceCoapClient}s, as a gateway hosting many devices needs them: every client
 * built with {@link DeviceCoapClient.Builder#gateway(CoapGateway)} runs its CoAP exchanges, DTLS handshakes, records
 * and timers on this one pool instead of starting its own (a client on its own starts four threads). What stays
 * per client is its UDP socket and the one thread that reads it: a DTLS connection is keyed by the peer's address,
 * so towards one broker each device identity needs its own socket.
 *
 * <pre>{@code
 * try (CoapGateway gateway = CoapGateway.create(2)) {
 *     DeviceCoapClient a = DeviceCoapClient.builder().gateway(gateway).serverUri(uri).deviceId("a").psk(pskA).token(t).build();
 *     DeviceCoapClient b = DeviceCoapClient.builder().gateway(gateway).serverUri(uri).deviceId("b").psk(pskB).token(u).build();
 *     ...
 * } // close the clients first; closing the gateway stops the shared threads
 * }</pre>
 *
 * Thread-safe.
 */
public final class CoapGateway implements AutoCloseable {
    private final ScheduledThreadPoolExecutor executor;
    private final Configuration configuration;

    static {
        CoapConfig.register();
        UdpConfig.register();
        DtlsConfig.register();
    }

    private CoapGateway(int threads) {
        AtomicInteger n = new AtomicInteger();
        this.executor = new ScheduledThreadPoolExecutor(threads, r -> {
            Thread t = new Thread(r, "edgeauth-coap-gateway-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.executor.setRemoveOnCancelPolicy(true);
        Configuration c = standard();
        c.set(UdpConfig.UDP_RECEIVER_THREAD_COUNT, 1);
        c.set(UdpConfig.UDP_SENDER_THREAD_COUNT, 1);
        c.set(DtlsConfig.DTLS_RECEIVER_THREAD_COUNT, 1);
        c.set(DtlsConfig.DTLS_MAX_CONNECTIONS, 16); // a device client talks to one broker
        c.set(CoapConfig.MAX_ACTIVE_PEERS, 16);
        this.configuration = c;
    }

    /**
     * Californium's standard configuration with the device SDK's one change: a DTLS flight is first sent again after
     * 2 to 3 s (a random factor of 1.5, as CoAP's own ACK_RANDOM_FACTOR) instead of exactly 2 s, then after twice
     * that. A broker at its handshake limit drops ClientHellos (DTLS has no "busy" answer); without the jitter, a
     * herd that started together would come back together at every retransmission.
     */
    static Configuration standard() {
        Configuration c = Configuration.createStandardWithoutFile();
        c.set(DtlsConfig.DTLS_RETRANSMISSION_INIT_RANDOM, 1.5F);
        return c;
    }

    /** A gateway whose clients share {@code threads} threads (1..256). */
    public static CoapGateway create(int threads) {
        if (threads < 1 || threads > 256) {
            throw new IllegalArgumentException("threads must be 1..256");
        }
        return new CoapGateway(threads);
    }

    /**
     * The shared pool, for Californium endpoints and Scandium connectors built by hand (as the simulator does):
     * give it to {@code CoapEndpoint.setExecutors(pool, pool)} and {@code DTLSConnector.setExecutor(pool)} (a
     * scheduled pool also serves as the connector's timer). Shut down by {@link #close()} only.
     */
    public ScheduledThreadPoolExecutor executor() {
        return executor;
    }

    /** The Californium configuration a gateway's clients use unless they bring their own: one reader thread each. */
    Configuration configuration() {
        return configuration;
    }

    /** Stops the shared threads; clients still open stop working. */
    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
