package io.edgeauth.broker.policy;

/**
 * A named rate plan from config: messages per second with a burst, and bytes per second. (Connection attempts are
 * bounded per identity and per source address for every plan alike: {@code connectionGuard}.)
 */
public record RatePlan(String name, double messagesPerSecond, int burst, long bytesPerSecond) {
    public RatePlan {
        if (messagesPerSecond <= 0 || burst < 1 || bytesPerSecond <= 0) {
            throw new IllegalArgumentException("rate plan '" + name
                    + "': messagesPerSecond, burst and bytesPerSecond must be positive");
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
