package io.edgeauth.broker.policy;

import java.net.InetAddress;

/**
 * Source of rate limiters and the connection-attempt guard. The local implementation keeps buckets in
 * memory (Bucket4j); a Redis-backed one shares them between broker nodes. Thread-safe, non-blocking.
 */
public interface RateLimits {
    /** The budget of a device under a plan; the same device always gets the same budget. */
    RateLimiter forDevice(String tenant, String deviceId, RatePlan plan);

    /** Takes one connection attempt for the device id and the source address; false if over the limit. */
    boolean tryConnect(String deviceId, InetAddress source);

    /** Charges a failed attempt extra, so brute force throttles harder than honest reconnects. */
    void recordFailedConnect(String deviceId, InetAddress source);
}
