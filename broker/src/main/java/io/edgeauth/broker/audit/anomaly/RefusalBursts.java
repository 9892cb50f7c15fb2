package io.edgeauth.broker.audit.anomaly;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Counts refusals per source address in fixed windows and says when one reaches the threshold (once per window, so
 * a flood yields one anomaly event, not one per refusal) and when one passes it: those refusals are the source's
 * flood, written as one {@link Summary} per window once it ends instead of one line each. Up to {@code maxSources}
 * sources are tracked. Thread-safe.
 */
public final class RefusalBursts {

    /** What one refusal is within its source's window. */
    public enum Verdict { COUNTED, BURST, PAST_BURST }

    /** Refusals of {@code source} past the threshold within the window that began at {@code start}. */
    public record Summary(String source, Instant start, int suppressed, String lastEvent) {
    }

    private static final class Window {
        Instant start;
        int count;
        /** Refusals past the threshold that were not written (only they are summed up). */
        int suppressed;
        String lastEvent;
    }

    /** How often at most the ended windows of flooding sources are looked for. */
    private static final Duration SWEEP = Duration.ofSeconds(1);

    private final int threshold;
    private final Duration window;
    private final Cache<String, Window> sources;
    // sources past the threshold in their current window: only they owe a summary (a flood's sources, not all)
    private final Map<String, Window> flooding = new ConcurrentHashMap<>();
    private final Queue<Summary> due = new ConcurrentLinkedQueue<>();
    private volatile Instant nextSweep = Instant.MIN;

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
        return refused(source, at, null, false) == Verdict.BURST;
    }

    /**
     * Counts one refusal ({@code event}) from {@code source}: within the threshold, reaching it, or past it. Past
     * it, a {@code suppressible} one (the caller does not write it) is owed in the window's summary.
     */
    public Verdict refused(String source, Instant at, String event, boolean suppressible) {
        if (source == null || source.isEmpty()) {
            return Verdict.COUNTED;
        }
        Window w = sources.get(source, s -> new Window());
        synchronized (w) {
            if (w.start == null || !at.isBefore(w.start.plus(window))) {
                close(source, w);
                w.start = at;
                w.count = 0;
            }
            w.count++;
            if (w.count == threshold) {
                return Verdict.BURST;
            }
            if (w.count < threshold) {
                return Verdict.COUNTED;
            }
            if (suppressible) {
                w.suppressed++;
                w.lastEvent = event;
                flooding.put(source, w);
            }
            return Verdict.PAST_BURST;
        }
    }

    /**
     * The summaries of windows ended by {@code now} (or restarted since), each once. Looks through the flooding
     * sources at most once a second; cheap when nobody floods.
     */
    public List<Summary> ended(Instant now) {
        if (!flooding.isEmpty() && !now.isBefore(nextSweep)) {
            nextSweep = now.plus(SWEEP);
            for (Map.Entry<String, Window> e : flooding.entrySet()) {
                Window w = e.getValue();
                synchronized (w) {
                    if (!now.isBefore(w.start.plus(window))) {
                        close(e.getKey(), w);
                    }
                }
            }
        }
        if (due.isEmpty()) {
            return List.of();
        }
        List<Summary> out = new ArrayList<>();
        for (Summary s; (s = due.poll()) != null; ) {
            out.add(s);
        }
        return out;
    }

    /** The summaries every flooding source owes now, its window ended or not, each once (the broker stops). */
    public List<Summary> flush() {
        for (Map.Entry<String, Window> e : flooding.entrySet()) {
            Window w = e.getValue();
            synchronized (w) {
                close(e.getKey(), w);
            }
        }
        return ended(Instant.MIN);
    }

    // holding w's lock: queues the window's summary if it owes one, and marks it paid
    private void close(String source, Window w) {
        if (w.start != null && w.suppressed > 0) {
            due.add(new Summary(source, w.start, w.suppressed, w.lastEvent));
            w.suppressed = 0;
        }
        flooding.remove(source, w);
    }

    public int threshold() {
        return threshold;
    }

    public Duration window() {
        return window;
    }

    /**
     * The host part of an address as audit fields carry it ({@code /10.0.0.1:5555}, {@code [::1]:5555}, {@code 10.0.0.1},
     * CoAP's {@code udp:10.0.0.1:5555} and {@code udp:0:0:0:0:0:0:0:1:5555}): a flood from one host counts as one
     * source whatever its ports. Other CoAP peers ({@code psk:<identity>}, {@code x509:...}, {@code dtls:<session>}) are
     * their own source.
     */
    public static String host(String remote) {
        if (remote == null) {
            return null;
        }
        if (remote.startsWith("udp:")) { // always with a port, an IPv6 address without brackets
            int port = remote.lastIndexOf(':');
            return port > 4 ? remote.substring(4, port) : remote.substring(4);
        }
        if (remote.startsWith("psk:") || remote.startsWith("x509:") || remote.startsWith("rpk:")
                || remote.startsWith("dtls:")) { // dtls: a DTLS session without a client identity (tour AF, AF7)
            return remote; // an authenticated DTLS peer: its identity is the source (cut, it was "psk" for every device)
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
