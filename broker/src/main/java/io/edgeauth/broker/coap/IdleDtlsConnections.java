package io.edgeauth.broker.coap;

import java.net.InetSocketAddress;
import java.security.Principal;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.eclipse.californium.elements.util.ClockUtil;
import org.eclipse.californium.elements.util.Filter;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.dtls.Connection;
import org.eclipse.californium.scandium.dtls.DTLSSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends the DTLS connections of peers that hold no token binding here and have sent nothing for {@link #IDLE}: devices
 * that left without a close_notify (power loss, a reboot, a new source port after NAT rebinding). Scandium keeps every
 * connection until its store is full at {@code coap.maxSessions} (it evicts a stale one only to make room), so the heap
 * grew with churn, about 1.5 KB per such handshake, to 1.5 GB at the default bound, and a clean restart carried them
 * over (a soak found 5,892 connections for 118 to 222 bound devices). A device with a live binding keeps its
 * connection whatever its silence: the binding's expiry bounds it. The older connection of a device that handshook
 * again from another address counts as bound too (the binding is the identity's); Scandium's own option removes
 * such doubles once stale ({@code DTLS_REMOVE_STALE_DOUBLE_PRINCIPALS} with the read-write-lock store it needs, set in
 * {@link CoapEdge}: after its 30-minute stale threshold, when the store holds more than 1,024 connections).
 */
final class IdleDtlsConnections implements AutoCloseable {
    /**
     * A day, as {@link DtlsSessionsFile#STALE_AFTER}: a sleepy device that reports daily keeps its connection even
     * when its token (and binding) expired in between (a dropped connection costs it a new handshake, and the SDK
     * notices only after 30 to 45 s of retransmissions); the heap holds at most a day of abandoned handshakes.
     */
    static final Duration IDLE = Duration.ofHours(24);
    private static final Logger LOG = LoggerFactory.getLogger(IdleDtlsConnections.class);

    private final DTLSConnector connector;
    private final Predicate<String> bound;
    private final long idleNanos;
    private final AtomicLong ended = new AtomicLong();
    private ScheduledExecutorService timer;

    /** @param bound whether a peer key (see {@link PeerIdentity#keyOf}) holds a live token binding */
    IdleDtlsConnections(DTLSConnector connector, Predicate<String> bound, Duration idle) {
        this.connector = connector;
        this.bound = bound;
        this.idleNanos = idle.toNanos();
    }

    /** Sweeps every {@code every} from now on. */
    synchronized void start(Duration every) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "coap-dtls-idle");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::sweep, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Drops each idle connection without a binding from the store. Two passes of Scandium's public API: one collects
     * the silent, unbound peers (a connection's silence is only known to the first), the second drops their
     * connections ({@link DTLSConnector#close} only sends close_notify and keeps the connection).
     */
    java.util.concurrent.Future<Void> sweep() {
        try {
            long now = ClockUtil.nanoRealtime();
            Set<Principal> idle = ConcurrentHashMap.newKeySet();
            connector.startForEach((Filter<Connection>) c -> {
                DTLSSession session = c.getEstablishedSession();
                Principal peer = session == null ? null : session.getPeerIdentity();
                InetSocketAddress address = c.getPeerAddress();
                if (peer != null && address != null && now - c.getLastMessageNanos() > idleNanos
                        && !bound.test(PeerIdentity.keyOf(peer, address))) {
                    idle.add(peer);
                }
                return false; // go on with the next connection
            }).get(1, TimeUnit.MINUTES);
            if (idle.isEmpty()) {
                return CompletableFuture.completedFuture(null);
            }
            ended.addAndGet(idle.size());
            return connector.startTerminateConnectionsForPrincipal((Filter<Principal>) idle::contains, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.debug("idle DTLS sweep skipped: {}", e.toString()); // the connector is stopping
            return CompletableFuture.completedFuture(null);
        }
    }

    /** Connections this sweep ended so far. */
    long ended() {
        return ended.get();
    }

    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.shutdownNow();
            timer = null;
        }
    }
}
