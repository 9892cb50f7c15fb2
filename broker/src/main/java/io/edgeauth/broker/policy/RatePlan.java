package io.edgeauth.broker.policy;

/**
 * A named rate plan from config: messages per second with a burst, bytes per second, and connection
 * attempts per minute (per device id and per source address; failed attempts cost more).
 */
public record RatePlan(String name, double messagesPerSecond, int burst, long bytesPerSecond, int connectsPerMinute) {
    public RatePlan {
        if (messagesPerSecond <= 0 || burst < 1 || bytesPerSecond <= 0 || connectsPerMinute < 1) {
            throw new IllegalArgumentException("rate plan '" + name
                    + "': messagesPerSecond, burst, bytesPerSecond and connectsPerMinute must be positive");
        }
    }

    public static RatePlan defaultPlan() {
        return new RatePlan("default", 10, 20, 64 * 1024, 30);
    }
}
