package io.edgeauth.simulator;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What the simulation counts: connections (successes and failures by reason), messages sent and
 * acknowledged, publish failures by reason, and publish latency (HdrHistogram, microseconds). Recording
 * is lock-free and thread-safe; {@link #progressLine} and {@link #summaryLine} format one line each.
 */
public final class Stats {
    private static final long MAX_LATENCY_MICROS = TimeUnit.MINUTES.toMicros(10);

    final LongAdder started = new LongAdder();
    final LongAdder connected = new LongAdder();
    final LongAdder connectedNow = new LongAdder();
    final LongAdder sent = new LongAdder();
    final LongAdder acked = new LongAdder();
    final LongAdder reauthenticated = new LongAdder();
    private final ConcurrentHashMap<String, LongAdder> connectFailures = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> drops = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> publishFailures = new ConcurrentHashMap<>();
    private final Recorder recorder = new Recorder(MAX_LATENCY_MICROS, 3);
    private final Histogram total = new Histogram(MAX_LATENCY_MICROS, 3);
    private long ackedAtLastProgress;
    private long lastProgressNanos;

    public void deviceStarted() {
        started.increment();
    }

    /** A device connected for the first time. */
    public void connected() {
        connected.increment();
    }

    /** A device's connection came up (first connect or reconnect). */
    public void up() {
        connectedNow.increment();
    }

    /** A device's connection went down. */
    public void down() {
        connectedNow.decrement();
    }

    /** The broker or the network dropped a connected device. */
    public void dropped(String reason) {
        drops.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    public void connectFailed(String reason) {
        connectFailures.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    public void sent() {
        sent.increment();
    }

    /** A publish completed (sent for QoS 0, acknowledged for QoS 1/2) after {@code latencyNanos}. */
    public void acked(long latencyNanos) {
        acked.increment();
        long micros = Math.max(1, Math.min(MAX_LATENCY_MICROS, TimeUnit.NANOSECONDS.toMicros(latencyNanos)));
        recorder.recordValue(micros);
    }

    public void publishFailed(String reason) {
        publishFailures.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    public long connectedCount() {
        return connected.sum();
    }

    public long sentCount() {
        return sent.sum();
    }

    public long ackedCount() {
        return acked.sum();
    }

    /** Connection failures by reason, sorted by reason. */
    public Map<String, Long> connectFailures() {
        return sorted(connectFailures);
    }

    /** Dropped connections by reason, sorted by reason. */
    public Map<String, Long> drops() {
        return sorted(drops);
    }

    /** Publish failures by reason, sorted by reason. */
    public Map<String, Long> publishFailures() {
        return sorted(publishFailures);
    }

    public long failedCount() {
        return connectFailures.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /**
     * A progress line: state of the fleet now, and the acknowledged rate and latency since the last
     * progress line. {@code nowNanos} is a monotonic time ({@link System#nanoTime()}).
     */
    public synchronized String progressLine(Duration elapsed, long nowNanos) {
        Histogram interval = recorder.getIntervalHistogram();
        total.add(interval);
        long ackedNow = acked.sum();
        double seconds = lastProgressNanos == 0 ? elapsed.toNanos() / 1e9 : (nowNanos - lastProgressNanos) / 1e9;
        double rate = seconds > 0 ? (ackedNow - ackedAtLastProgress) / seconds : 0;
        ackedAtLastProgress = ackedNow;
        lastProgressNanos = nowNanos;
        return String.format(Locale.ROOT,
                "[%6.1fs] started=%d connected=%d failed=%d dropped=%d sent=%d acked=%d rate=%.1f msg/s p50=%s p99=%s",
                elapsed.toMillis() / 1000.0, started.sum(), connectedNow.sum(), failedCount(),
                drops.values().stream().mapToLong(LongAdder::sum).sum(), sent.sum(), ackedNow, rate,
                millis(interval, 50), millis(interval, 99));
    }

    /** The one-line summary at the end; msg/s is acknowledged messages over {@code elapsed}. */
    public synchronized String summaryLine(Duration elapsed) {
        total.add(recorder.getIntervalHistogram());
        double seconds = elapsed.toNanos() / 1e9;
        double rate = seconds > 0 ? acked.sum() / seconds : 0;
        StringBuilder sb = new StringBuilder("summary:");
        sb.append(" devices=").append(started.sum());
        sb.append(" connected=").append(connected.sum());
        sb.append(" failed=").append(failedCount()).append(reasons(connectFailures()));
        sb.append(" dropped=").append(drops.values().stream().mapToLong(LongAdder::sum).sum()).append(reasons(drops()));
        sb.append(" sent=").append(sent.sum());
        sb.append(" acked=").append(acked.sum());
        long pf = publishFailures.values().stream().mapToLong(LongAdder::sum).sum();
        sb.append(" publish_failed=").append(pf).append(reasons(publishFailures()));
        sb.append(String.format(Locale.ROOT, " rate=%.1f msg/s", rate));
        sb.append(" p50=").append(millis(total, 50)).append(" p99=").append(millis(total, 99));
        sb.append(String.format(Locale.ROOT, " elapsed=%.1fs", seconds));
        return sb.toString();
    }

    /** The latency histogram of every publish recorded so far (microseconds); a copy. */
    public synchronized Histogram latencyMicros() {
        total.add(recorder.getIntervalHistogram());
        return total.copy();
    }

    private static String millis(Histogram h, double percentile) {
        if (h.getTotalCount() == 0) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.2fms", h.getValueAtPercentile(percentile) / 1000.0);
    }

    private static String reasons(Map<String, Long> byReason) {
        if (byReason.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder(" {");
        byReason.forEach((k, v) -> sb.append(sb.length() > 2 ? ", " : "").append(k).append('=').append(v));
        return sb.append('}').toString();
    }

    private static Map<String, Long> sorted(ConcurrentHashMap<String, LongAdder> m) {
        Map<String, Long> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
