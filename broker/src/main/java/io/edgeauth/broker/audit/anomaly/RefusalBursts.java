package io.edgeauth.broker.audit.anomaly;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.time.Instant;

/**
 * Counts refusals per source address in fixed windows and says when one reaches the threshold (once per window, so
 * a flood yields one anomaly event, not one per refusal). Up to {@code maxSources} sources are tracked. Thread-safe.
 */
public final class RefusalBursts {

    private static final class Window {
        Instant start;
        int count;
    }

    private final int threshold;
    private final Duration window;
    private final Cache<String, Window> sources;

    public RefusalBursts(int threshold, Duration window, long maxSources) {
        if (threshold < 1) {
            throw new IllegalArgumentException("refusal burst threshold must be at least 1, got " + threshold);
        }
        if (window == null || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("refusal window must be positive");
        }
        this.threshold = threshold;
        this.window = window;
        this.sources = Caffeine.newBuilder().executor(Runnable::run) // maintenance on the caller: no common-pool wake-up
                .maximumSize(maxSources).expireAfterAccess(window.multipliedBy(2)).build();
    }

    /** Counts one refusal from {@code source}; true exactly when this one makes the window's count reach the threshold. */
    public boolean refused(String source, Instant at) {
        if (source == null || source.isEmpty()) {
            return false;
        }
        Window w = sources.get(source, s -> new Window());
        synchronized (w) {
            if (w.start == null || !at.isBefore(w.start.plus(window))) {
                w.start = at;
                w.count = 0;
            }
            w.count++;
            return w.count == threshold;
        }
    }

    public int threshold() {
        return threshold;
    }

    public Duration window() {
        return window;
    }

    /** The host part of an address as audit fields carry it ({@code /10.0.0.1:5555}, {@code [::1]:5555}, {@code 10.0.0.1}). */
    public static String host(String remote) {
        if (remote == null) {
            return null;
        }
        String s = remote.substring(remote.lastIndexOf('/') + 1);
        if (s.startsWith("[")) {
            int end = s.indexOf(']');
            return end > 0 ? s.substring(1, end) : s;
        }
        int colon = s.indexOf(':');
        return colon > 0 && colon == s.lastIndexOf(':') ? s.substring(0, colon) : s;
    }
}
