package io.edgeauth.simulator.report;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The report's "Broker metrics" charts: first the series a person compares a run with (connects, messages, tokens
 * issued and refused, CoAP authorizations, the mean authentication latency), then other series that changed, up to
 * {@link #MAX_CHARTS}. A histogram's {@code _bucket} series are never charted or listed: summed over their {@code le}
 * labels they are a number with no meaning (older results hold such sums); its {@code _sum} and {@code _count} are
 * charted as their quotient between two samples, the mean latency of that interval.
 */
final class BrokerCharts {
    /** Broker metrics charted at most. */
    static final int MAX_CHARTS = 9;
    /** Charted first, in this order, when the run has them. */
    static final List<String> PREFERRED = List.of("edgeauth_mqtt_connects_total", "edgeauth_mqtt_messages_in_total",
            "edgeauth_tokens_issued_total", "edgeauth_tokens_refused_total", MeanLatency.AUTH.label(),
            "edgeauth_coap_authz_total", MeanLatency.COAP_AUTHZ.label(), "edgeauth_mqtt_sessions", "process_cpu_usage");

    /** A latency histogram charted as its mean between samples (ms). */
    enum MeanLatency {
        AUTH("edgeauth_auth_latency_seconds"), COAP_AUTHZ("edgeauth_coap_authz_latency_seconds");

        final String base;

        MeanLatency(String base) {
            this.base = base;
        }

        String label() {
            return base.replace("_seconds", "") + " mean (ms)";
        }

        /** Mean of the observations between consecutive samples, at the later one's time; none where none were made. */
        List<double[]> points(List<RunResult.BrokerSample> samples) {
            List<double[]> pts = new ArrayList<>();
            RunResult.BrokerSample prev = null;
            for (RunResult.BrokerSample s : samples) {
                Double sum = s.values().get(base + "_sum");
                Double count = s.values().get(base + "_count");
                if (sum == null || count == null) {
                    continue;
                }
                if (prev != null) {
                    double n = count - prev.values().get(base + "_count");
                    if (n > 0) {
                        pts.add(new double[] {s.t(), 1000 * (sum - prev.values().get(base + "_sum")) / n});
                    }
                }
                prev = s;
            }
            return pts;
        }
    }

    private BrokerCharts() {
    }

    /** The charted series, in order: preferred ones present in a run, then others that changed, then the rest. */
    static List<String> chosen(List<RunResult> runs) {
        Set<String> names = new LinkedHashSet<>();
        Set<String> changing = new LinkedHashSet<>();
        for (RunResult r : runs) {
            Map<String, Double> firstSeen = new TreeMap<>();
            for (RunResult.BrokerSample s : r.broker()) {
                s.values().forEach((k, v) -> {
                    names.add(k);
                    Double f = firstSeen.putIfAbsent(k, v);
                    if (f != null && !f.equals(v)) {
                        changing.add(k);
                    }
                });
            }
        }
        List<String> chosen = new ArrayList<>();
        for (String p : PREFERRED) {
            MeanLatency m = latency(p);
            if (m != null ? changing.contains(m.base + "_count") : names.contains(p)) {
                chosen.add(p);
            }
        }
        // labelled series stay in the table: a chart each would crowd out the totals
        List<String> rest = new ArrayList<>(changing);
        names.stream().filter(n -> !changing.contains(n)).forEach(rest::add);
        for (String n : rest) {
            if (!chosen.contains(n) && chartable(n)) {
                chosen.add(n);
            }
        }
        return chosen.subList(0, Math.min(MAX_CHARTS, chosen.size()));
    }

    private static boolean chartable(String name) {
        if (name.indexOf('{') >= 0 || name.endsWith("_bucket")) {
            return false;
        }
        for (MeanLatency m : MeanLatency.values()) {
            if (name.equals(m.base + "_sum") || name.equals(m.base + "_count")) {
                return false; // charted as the mean
            }
        }
        return true;
    }

    private static MeanLatency latency(String label) {
        for (MeanLatency m : MeanLatency.values()) {
            if (m.label().equals(label)) {
                return m;
            }
        }
        return null;
    }

    static String render(List<RunResult> runs, Function<List<RunResult>, String> table) {
        boolean any = runs.stream().anyMatch(r -> !r.broker().isEmpty());
        if (!any) {
            return "<p class=\"empty\">no samples (the broker's /metrics was not reachable, or --no-metrics)</p>";
        }
        List<String> chosen = chosen(runs);
        StringBuilder b = new StringBuilder();
        for (String name : chosen) {
            MeanLatency m = latency(name);
            List<SvgChart.Series> lines = new ArrayList<>();
            for (int i = 0; i < runs.size(); i++) {
                List<double[]> pts = new ArrayList<>();
                if (m != null) {
                    pts = m.points(runs.get(i).broker());
                } else {
                    for (RunResult.BrokerSample s : runs.get(i).broker()) {
                        Double v = s.values().get(name);
                        if (v != null) {
                            pts.add(new double[] {s.t(), v});
                        }
                    }
                }
                lines.add(HtmlReport.series(name + (runs.size() > 1 ? (i == 0 ? " (A)" : " (B)") : ""), pts, i, i == 1));
            }
            b.append(SvgChart.render(name, m != null ? "ms" : "value", lines));
        }
        b.append("<p>Charted: connects, messages, tokens issued and refused, CoAP authorizations and the mean ")
                .append("authentication latency between samples where the run has them, then other series that changed (")
                .append(chosen.size()).append(" in all). Last sample of each series (histogram buckets left out):</p>");
        b.append(table.apply(runs));
        return b.toString();
    }

    /** The last sample of a run, without its histograms' bucket series. */
    static Map<String, Double> lastSample(RunResult r) {
        Map<String, Double> last = new TreeMap<>();
        if (!r.broker().isEmpty()) {
            r.broker().get(r.broker().size() - 1).values().forEach((k, v) -> {
                if (!k.endsWith("_bucket")) {
                    last.put(k, v);
                }
            });
        }
        return last;
    }
}
