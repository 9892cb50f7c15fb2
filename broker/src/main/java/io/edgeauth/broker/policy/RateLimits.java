package io.edgeauth.broker.policy;

import java.net.InetAddress;

/**
 * Source of rate limiters and the connection-attempt guard. The local implementation keeps buckets in
 * memory (Bucket4j); a Redis-backed one shares them between broker nodes. Thread-safe, non-blocking.
 */
public interface RateLimits {
    /** The budget of a device under a plan; the same device always gets the same budget. */
    RateLimiter forDevice(String tenant, String deviceId, RatePlan plan);

    /**
     * Takes one connection attempt from each bucket named; false if either is over the limit.
     *
     * @param identity an <em>authenticated</em> identity (tenant and subject of a token whose signature verified),
     *                 or null; never an id a client merely claimed, or a stranger could spend that device's budget
     * @param source   the peer's address, or null
     */
    boolean tryConnect(String identity, InetAddress source);

    /** Seconds until {@link #tryConnect} with the same arguments would pass (0: now), for a retry hint. */
    long secondsUntilConnect(String identity, InetAddress source);

    /** Charges a failed attempt extra, so brute force throttles harder than honest reconnects (same arguments). */
    void recordFailedConnect(String identity, InetAddress source);
}
