package io.edgeauth.simulator.report;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Counts and latencies of a live run, written from any thread (event loops, HTTP threads) without locks
 * on the hot path (LongAdders, HdrHistogram {@link Recorder}s); {@link #tick} turns the last second into a
 * {@link RunResult.SecondPoint} and the progress line. Thread-safe.
 */
public final class RunRecorder {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RunRecorder.class);
    /** Failures logged with their device, per reason. */
    static final int EXAMPLES = 3;
    /** Bytes at the start of every simulated message: send time (nanoTime), device index, sequence number. */
    public static final int PAYLOAD_HEADER = 20;
    /** Counters the totals and the per-second series are made of. */
    public enum Counter { DEVICES, SESSIONS, HONEST_ACCEPTED, HONEST_COMPLETED, PUBLISHED, ACKED, DELIVERED, DUPLICATES,
        CHAOS_DEVICES, CHAOS_REFUSED, REVOKED_LIVE, RENEWALS, COMMANDS_SENT, COMMANDS_RECEIVED,
        RESTART_DROPPED, RESTART_BACK, OBSERVER_RECONNECTS, BUSY_RETRIES, FOREIGN_MESSAGES }

    private final Map<Counter, LongAdder> counters = new EnumMap<>(Counter.class);
    private final Map<Stage, Recorder> recorders = new EnumMap<>(Stage.class);
    private final Map<Stage, Histogram> totals = new EnumMap<>(Stage.class);
    private final Map<Stage, Histogram> interval = new EnumMap<>(Stage.class);
    /**
     * Per stage (by ordinal): 1 once a latency was recorded since the last {@link #tick}. A tick skips the stages
     * without one: swapping a recorder clears its spare histogram and adding it to the totals walks all its
     * counts (~20,000 for one hour at 3 digits), which for every stage every second was ~8% of the CPU samples.
     */
    private final java.util.concurrent.atomic.AtomicIntegerArray recorded = new java.util.concurrent.atomic.AtomicIntegerArray(
            Stage.values().length);
    private final ConcurrentHashMap<String, LongAdder> failures = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ChaosCounts> chaos = new ConcurrentHashMap<>();
    private final AtomicLong active = new AtomicLong();
    private final AtomicLong peakActive = new AtomicLong();
    private final List<RunResult.SecondPoint> series = new ArrayList<>();
    private final Map<Counter, Long> lastCounts = new EnumMap<>(Counter.class);
    private final Map<String, Long> lastFailures = new TreeMap<>();

    /** A chaos kind's counts while running. */
    private record ChaosCounts(String expected, LongAdder started, LongAdder refused, ConcurrentHashMap<String, LongAdder> other) {
    }

    public RunRecorder() {
        for (Counter c : Counter.values()) {
            counters.put(c, new LongAdder());
            lastCounts.put(c, 0L);
        }
        for (Stage s : Stage.values()) {
            recorders.put(s, new Recorder(Histograms.HIGHEST_MICROS, Histograms.DIGITS));
            totals.put(s, Histograms.empty());
        }
    }

    public void count(Counter c) {
        counters.get(c).increment();
    }

    public void count(Counter c, long n) {
        counters.get(c).add(n);
    }

    public long get(Counter c) {
        return counters.get(c).sum();
    }

    /** Records a stage latency in nanoseconds. */
    public void latency(Stage stage, long nanos) {
        recorders.get(stage).recordValue(Math.min(Histograms.HIGHEST_MICROS, Math.max(0, nanos / 1000)));
        // flagged after the value is in: a tick that clears the flag first and swaps after takes the value with it
        if (recorded.get(stage.ordinal()) == 0) {
            recorded.set(stage.ordinal(), 1);
        }
    }

    /** Something went wrong; {@code reason} is a short, stable label such as {@code connect:bad_signature}. */
    public void failure(String reason) {
        failures.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    /**
     * As {@link #failure(String)}, for one device: the first {@value #EXAMPLES} of each reason are logged with the
     * device and what the broker said, so a report's "token:invalid_client x1" can be traced to its device and cause.
     */
    public void failure(String reason, String device, String detail) {
        LongAdder count = failures.computeIfAbsent(reason, r -> new LongAdder());
        count.increment();
        if (count.sum() <= EXAMPLES) {
            LOG.warn("{} failed {}{}", device, reason, detail == null ? "" : ": " + detail);
        }
    }

    public void sessionOpened() {
        long now = active.incrementAndGet();
        peakActive.accumulateAndGet(now, Math::max);
    }

    public void sessionClosed() {
        active.decrementAndGet();
    }

    public long active() {
        return active.get();
    }

    /** A chaos session of {@code kind} started; it should end refused with {@code expected}. */
    public void chaosStarted(String kind, String expected) {
        chaos.computeIfAbsent(kind, k -> new ChaosCounts(expected, new LongAdder(), new LongAdder(), new ConcurrentHashMap<>()))
                .started().increment();
        count(Counter.CHAOS_DEVICES);
    }

    /** How a chaos session ended: refused as expected, or {@code outcome} (a failure of the run). */
    public void chaosEnded(String kind, String outcome, boolean asExpected) {
        chaosEnded(kind, outcome, asExpected, null, null);
    }

    /** As above, for one device: an unexpected outcome is logged with it, as {@link #failure(String, String, String)}. */
    public void chaosEnded(String kind, String outcome, boolean asExpected, String device, String detail) {
        ChaosCounts c = chaos.get(kind);
        if (asExpected) {
            c.refused().increment();
            count(Counter.CHAOS_REFUSED);
        } else {
            c.other().computeIfAbsent(outcome, o -> new LongAdder()).increment();
            if (device == null) {
                failure("chaos:" + kind + ":" + outcome);
            } else {
                failure("chaos:" + kind + ":" + outcome, device, detail);
            }
        }
    }

    /** Closes the last second: appends a series point and returns it. Call from one thread, once a second. */
    public synchronized RunResult.SecondPoint tick(long t, long behind) {
        Map<String, Double> p50 = new TreeMap<>();
        Map<String, Double> p99 = new TreeMap<>();
        for (Stage s : Stage.values()) {
            if (recorded.getAndSet(s.ordinal(), 0) == 0) {
                continue; // nothing recorded since the last tick
            }
            Histogram h = recorders.get(s).getIntervalHistogram(interval.get(s));
            interval.put(s, h);
            totals.get(s).add(h);
            if (h.getTotalCount() > 0) {
                p50.put(s.key(), Histograms.ms(h.getValueAtPercentile(50)));
                p99.put(s.key(), Histograms.ms(h.getValueAtPercentile(99)));
            }
        }
        Map<String, Long> errors = new TreeMap<>();
        failures.forEach((reason, n) -> {
            long now = n.sum();
            long delta = now - lastFailures.getOrDefault(reason, 0L);
            lastFailures.put(reason, now);
            if (delta > 0) {
                errors.put(reason, delta);
            }
        });
        RunResult.SecondPoint p = new RunResult.SecondPoint(t, delta(Counter.SESSIONS), delta(Counter.HONEST_ACCEPTED),
                delta(Counter.ACKED), delta(Counter.DELIVERED), active.get(), behind, errors, p50, p99);
        series.add(p);
        return p;
    }

    private long delta(Counter c) {
        long now = get(c);
        long d = now - lastCounts.get(c);
        lastCounts.put(c, now);
        return d;
    }

    /** One terminal line for a second. */
    public String progressLine(RunResult.SecondPoint p, long done, long planned) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "[%5ds] sessions %d/%d active=%d behind=%d conn/s=%d msg/s=%d",
                p.t(), done, planned, p.active(), p.behind(), p.connected(), p.acked()));
        for (String stage : List.of("token", "connect", "publish", "handshake", "authz", "coap_post", "delivery")) {
            Double v = p.p99().get(stage);
            if (v != null) {
                sb.append(String.format(Locale.ROOT, " p99.%s=%.1fms", stage, v));
            }
        }
        sb.append(" chaos=").append(get(Counter.CHAOS_REFUSED)).append('/').append(get(Counter.CHAOS_DEVICES));
        if (get(Counter.BUSY_RETRIES) > 0) { // CONNECTs and CoAP token requests the broker shed, tried again
            sb.append(" busy_retries=").append(get(Counter.BUSY_RETRIES));
        }
        Map<String, Long> all = failureCounts();
        sb.append(" errors=").append(all.isEmpty() ? "0" : all.toString());
        return sb.toString();
    }

    public Map<String, Long> failureCounts() {
        Map<String, Long> m = new TreeMap<>();
        failures.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    /** The stage histograms so far (call after the last {@link #tick}). */
    public synchronized Map<String, RunResult.StageStats> stageStats() {
        Map<String, RunResult.StageStats> m = new java.util.LinkedHashMap<>();
        for (Stage s : Stage.values()) {
            m.put(s.key(), Histograms.stats(totals.get(s)));
        }
        return m;
    }

    public Map<String, RunResult.ChaosTally> chaosTallies() {
        Map<String, RunResult.ChaosTally> m = new TreeMap<>();
        chaos.forEach((kind, c) -> {
            Map<String, Long> other = new TreeMap<>();
            c.other().forEach((k, v) -> other.put(k, v.sum()));
            m.put(kind, new RunResult.ChaosTally(c.expected(), c.started().sum(), c.refused().sum(), other));
        });
        return m;
    }

    public synchronized List<RunResult.SecondPoint> series() {
        return List.copyOf(series);
    }

    public RunResult.Totals totals(boolean observer) {
        return new RunResult.Totals(get(Counter.DEVICES), get(Counter.SESSIONS), get(Counter.HONEST_ACCEPTED),
                get(Counter.HONEST_COMPLETED), get(Counter.PUBLISHED), get(Counter.ACKED),
                observer ? get(Counter.DELIVERED) : -1, get(Counter.DUPLICATES), get(Counter.CHAOS_DEVICES),
                get(Counter.CHAOS_REFUSED), get(Counter.REVOKED_LIVE), peakActive.get(), get(Counter.RENEWALS),
                get(Counter.COMMANDS_SENT), get(Counter.COMMANDS_RECEIVED), get(Counter.RESTART_DROPPED),
                get(Counter.RESTART_BACK), get(Counter.FOREIGN_MESSAGES),
                get(Counter.BUSY_RETRIES));
    }
}
