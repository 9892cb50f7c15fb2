package io.edgeauth.broker.policy;

/**
 * A named rate plan from config: messages per second with a burst, and bytes per second. (Connection attempts are
 * bounded per identity and per source address for every plan alike: {@code connectionGuard}.)
 */
public record RatePlan(String name, double messagesPerSecond, int burst, long bytesPerSecond) {
    /**
     * The lowest rate a plan may have: one message per 1,000,000 s (11.6 days). One message's refill is then 1e15 ns,
     * far from where the bucket arithmetic overflows a long (below about 1.1e-10 msg/s), and a wait of thousands of
     * messages still fits in a CoAP Max-Age (2^32-1 s; one message's wait no longer does below about 2.3e-10 msg/s).
     */
    public static final double MIN_MESSAGES_PER_SECOND = 1e-6;

    public RatePlan {
        if (messagesPerSecond <= 0 || burst < 1 || bytesPerSecond <= 0) {
            throw new IllegalArgumentException("rate plan '" + name
                    + "': messagesPerSecond, burst and bytesPerSecond must be positive");
        }
        if (messagesPerSecond < MIN_MESSAGES_PER_SECOND) {
            throw new IllegalArgumentException("rate plan '" + name + "': messagesPerSecond must be at least "
                    + MIN_MESSAGES_PER_SECOND);
        }
    }

    /** Nanoseconds to refill one message (at least 1): the one rounding every bucket of this plan uses. */
    public long nanosPerMessage() {
        return Math.max(1, Math.round(1_000_000_000d / messagesPerSecond));
    }

    public static RatePlan defaultPlan() {
        return new RatePlan("default", 10, 20, 64 * 1024);
    }
}
