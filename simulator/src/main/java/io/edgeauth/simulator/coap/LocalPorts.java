package io.edgeauth.simulator.coap;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands out client socket addresses so that, across a run, each CoAP session comes from its own
 * (address, port): with source addresses given, it walks ports {@value #FIRST_PORT}..65535 on each
 * address in turn (address changes fastest), so {@code n} addresses give {@code n × 55,536} distinct peers
 * before one repeats. A repeated peer address would make the broker replace that peer's DTLS connection,
 * which is what the held-sessions measurement must avoid. Without source addresses every session binds an
 * ephemeral port of the wildcard address (the kernel may reuse a port soon). Thread-safe.
 */
public final class LocalPorts {
    /** First port handed out: below it live the well-known and registered services. */
    public static final int FIRST_PORT = 10_000;
    private static final int PORTS = 65_536 - FIRST_PORT;

    private final List<InetAddress> addresses;
    private final AtomicLong next;

    /**
     * Starts the walk at a random place of its cycle: two simulators on one host (shards, or two test runs) given the
     * same source addresses would otherwise bind the same (address, port) pairs in the same order, and each bind the
     * other holds fails ({@code socket:bind}). A run still gets every pair once before one repeats.
     */
    public LocalPorts(List<InetAddress> addresses) {
        this.addresses = List.copyOf(addresses);
        this.next = new AtomicLong(addresses.isEmpty() ? 0
                : java.util.concurrent.ThreadLocalRandom.current().nextLong((long) addresses.size() * PORTS));
    }

    /** The next address to bind. */
    public InetSocketAddress next() {
        if (addresses.isEmpty()) {
            return new InetSocketAddress(0);
        }
        long n = next.getAndIncrement();
        InetAddress a = addresses.get((int) (n % addresses.size()));
        int port = FIRST_PORT + (int) ((n / addresses.size()) % PORTS);
        return new InetSocketAddress(a, port);
    }

    /** How many distinct peers this allocator gives before one repeats (0 = ephemeral ports, no promise). */
    public long distinct() {
        return (long) addresses.size() * PORTS;
    }
}
