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
    /**
     * The highest rate a plan may have. A message's refill is whole nanoseconds, so the rates near Bucket4j's limit
     * of one per nanosecond round far off (6.7e8 would act as 1e9); at 1e6 the rounding is within 0.05 %.
     */
    public static final double MAX_MESSAGES_PER_SECOND = 1e6;
    /** The highest byte rate a plan may have: Bucket4j refills at most one token per nanosecond. */
    public static final long MAX_BYTES_PER_SECOND = 1_000_000_000L;

    public RatePlan {
        if (messagesPerSecond <= 0 || burst < 1 || bytesPerSecond <= 0) {
            throw new IllegalArgumentException("rate plan '" + name
                    + "': messagesPerSecond, burst and bytesPerSecond must be positive");
        }
        if (messagesPerSecond < MIN_MESSAGES_PER_SECOND) {
            throw new IllegalArgumentException("rate plan '" + name + "': messagesPerSecond must be at least "
                    + MIN_MESSAGES_PER_SECOND);
        }
        if (messagesPerSecond > MAX_MESSAGES_PER_SECOND || bytesPerSecond > MAX_BYTES_PER_SECOND) {
            throw new IllegalArgumentException("rate plan '" + name + "': messagesPerSecond must be at most "
                    + MAX_MESSAGES_PER_SECOND + " and bytesPerSecond at most " + MAX_BYTES_PER_SECOND);
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
