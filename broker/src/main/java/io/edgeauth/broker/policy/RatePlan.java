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

    public static RatePlan defaultPlan() {
        return new RatePlan("default", 10, 20, 64 * 1024);
    }
}
