package io.edgeauth.simulator.report;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Samples the broker's Prometheus {@code /metrics} during a run: the series whose names this report
 * charts (the broker's own {@code edgeauth_*}, CPU, heap, threads, open files), labels summed per
 * name (histogram buckets left out); drops and refusals also per label set (their reasons). A failed scrape is skipped, never fatal. Thread-safe.
 */
public final class MetricsScraper {
    /** Metric names kept; everything else in the exposition is ignored. */
    static final Pattern KEEP = Pattern.compile("edgeauth_[a-z0-9_]+|process_cpu_usage|system_cpu_usage|jvm_memory_used_bytes"
            + "|jvm_threads_live_threads|process_files_open_files|jvm_gc_pause_seconds_sum");
    /** Counters also kept per label set, so the report says why (drop and refusal reasons). */
    static final Pattern BY_LABELS = Pattern.compile("edgeauth_mqtt_drops_total|edgeauth_mqtt_connects_total|edgeauth_tokens_refused_total");
    /** Longest label set kept. */
    static final int MAX_LABELS = 200;
    /** Bytes read from one scrape at most. */
    static final int MAX_BYTES = 4 * 1024 * 1024;

    private final HttpClient http;
    private final URI metrics;
    private final List<RunResult.BrokerSample> samples = new ArrayList<>();

    public MetricsScraper(HttpClient http, URI brokerUrl) {
        this.http = http;
        String s = brokerUrl.toString();
        this.metrics = URI.create((s.endsWith("/") ? s.substring(0, s.length() - 1) : s) + "/metrics");
    }

    /** Starts one scrape; its sample is stamped {@code t} seconds. */
    public void scrape(double t) {
        HttpRequest r = HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(5)).GET().build();
        http.sendAsync(r, HttpResponse.BodyHandlers.ofString()).thenAccept(resp -> {
            if (resp.statusCode() == 200 && resp.body().length() <= MAX_BYTES) {
                Map<String, Double> values = parse(resp.body());
                synchronized (samples) {
                    samples.add(new RunResult.BrokerSample(t, values));
                }
            }
        });
    }

    /** Prometheus text format: {@code name{labels} value}, labels summed per kept name. */
    static Map<String, Double> parse(String text) {
        Map<String, Double> values = new TreeMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.charAt(0) == '#') {
                continue;
            }
            int nameEnd = 0;
            while (nameEnd < line.length() && line.charAt(nameEnd) != '{' && line.charAt(nameEnd) != ' ') {
                nameEnd++;
            }
            String name = line.substring(0, nameEnd);
            // a histogram's buckets summed over their le labels mean nothing: its _sum and _count are kept
            if (!KEEP.matcher(name).matches() || name.endsWith("_bucket")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            if (space <= nameEnd - 1) {
                continue;
            }
            try {
                double v = Double.parseDouble(line.substring(space + 1).trim());
                if (Double.isFinite(v)) {
                    values.merge(name, v, Double::sum);
                    int close = line.lastIndexOf('}', space);
                    if (BY_LABELS.matcher(name).matches() && nameEnd < line.length() && line.charAt(nameEnd) == '{'
                            && close > nameEnd && close - nameEnd <= MAX_LABELS) {
                        values.merge(line.substring(0, close + 1), v, Double::sum);
                    }
                }
            } catch (NumberFormatException e) {
                // a value we do not chart
            }
        }
        return values;
    }

    public List<RunResult.BrokerSample> samples() {
        synchronized (samples) {
            List<RunResult.BrokerSample> copy = new ArrayList<>(samples);
            copy.sort((a, b) -> Double.compare(a.t(), b.t()));
            return copy;
        }
    }
}
