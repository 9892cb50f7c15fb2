package io.edgeauth.broker.policy;

/** The message/byte budget of one device (shared by all its connections). Thread-safe, non-blocking. */
public interface RateLimiter {
    /** Takes one message of {@code bytes} from the budget; false if over the plan (nothing is taken then). */
    boolean tryAcquire(int bytes);

    /**
     * The largest message, in bytes, the budget ever admits ({@code bytesPerSecond}: one second of its byte bucket);
     * a larger one is refused whatever the wait. Unbounded unless the implementation says otherwise.
     */
    default long largestMessage() {
        return Long.MAX_VALUE;
    }

    /** Seconds until one more message would be allowed (for CoAP Max-Age / retry hints); 0 if now. */
    long secondsUntilAvailable();

    /** A wait in nanoseconds as whole seconds for a retry hint, rounded up (0 for none), without overflow. */
    static long seconds(long nanos) {
        return nanos <= 0 ? 0 : (nanos - 1) / 1_000_000_000L + 1;
    }
}
