package io.edgeauth.simulator.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The report page: one self-contained HTML file (inline CSS and SVG, no script, nothing fetched) for one
 * run, or two side by side (the second drawn dashed in every chart and in its own table column).
 */
public final class HtmlReport {
    private static final List<String> LATENCY_STAGES = List.of("token", "connect", "publish", "coap_token", "handshake", "resumption", "authz",
            "coap_post", "observe", "delivery", "renewal", "revocation_drop");

    private HtmlReport() {
    }

    public static void write(Path file, List<RunResult> runs, List<String> names) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, render(runs, names), StandardCharsets.UTF_8);
    }

    public static String render(List<RunResult> runs, List<String> names) {
        if (runs.isEmpty() || runs.size() > 2 || names.size() != runs.size()) {
            throw new IllegalArgumentException("a report shows one run or compares two");
        }
        StringBuilder b = new StringBuilder(64 * 1024);
        b.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>edgeauth simulator report</title><style>")
                .append("body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1000px}")
                .append("table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}")
                .append("th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}")
                .append(".pass{color:#fff;background:#2a7d2a;padding:2px 10px;border-radius:4px}.fail{color:#fff;background:#b22;padding:2px 10px;border-radius:4px}")
                .append("figure.chart{margin:12px 0 24px}figcaption{font-weight:600;margin-bottom:4px}.empty{color:#888}")
                .append("</style></head><body>");
        b.append("<h1>edgeauth simulator report</h1>");
        for (int i = 0; i < runs.size(); i++) {
            RunResult r = runs.get(i);
            b.append("<p>").append(runs.size() > 1 ? (i == 0 ? "A (solid): " : "B (dashed): ") : "")
                    .append("<code>").append(Html.escape(names.get(i))).append("</code> ")
                    .append(r.verdict().ok() ? "<span class=\"pass\">PASS</span>" : "<span class=\"fail\">" + Verdicts.word(r) + "</span>")
                    .append(" started ").append(Html.escape(r.startedAt())).append(", shards ").append(Html.escape(r.shards())).append("</p>");
            if (!r.verdict().ok()) {
                b.append("<ul class=\"problems\">");
                r.verdict().problems().stream().limit(30).forEach(p -> b.append("<li>").append(Html.escape(p)).append("</li>"));
                b.append("</ul>");
            }
        }
        b.append("<h2>Totals</h2>").append(totalsTable(runs));
        b.append("<h2>Latency (ms)</h2>").append(stagesTable(runs));
        b.append("<h2>Over time</h2>");
        b.append(chart(runs, "Sessions connected per second", "per second", List.of(
                line("connected", p -> p.connected()), line("started", p -> p.started()))));
        b.append(chart(runs, "QoS 1 messages per second", "per second", List.of(
                line("acknowledged", p -> p.acked()), line("delivered to the observer", p -> p.delivered()))));
        b.append(chart(runs, "Open sessions, and sessions behind the schedule", "sessions", List.of(
                line("open", p -> p.active()), line("behind", p -> p.behind()))));
        for (String q : List.of("p50", "p99")) {
            List<Metric> lat = new ArrayList<>();
            for (String stage : LATENCY_STAGES) {
                if (runs.stream().anyMatch(r -> r.series().stream().anyMatch(p -> pick(p, q).containsKey(stage)))) {
                    lat.add(new Metric(stage, p -> pick(p, q).getOrDefault(stage, Double.NaN)));
                }
            }
            b.append(chart(runs, q + " latency per stage, each second", "ms", lat));
        }
        Set<String> reasons = new LinkedHashSet<>();
        runs.forEach(r -> r.series().forEach(p -> reasons.addAll(p.errors().keySet())));
        List<Metric> errs = new ArrayList<>();
        reasons.stream().limit(8).forEach(reason -> errs.add(new Metric(reason, p -> p.errors().getOrDefault(reason, 0L))));
        b.append(chart(runs, "Errors per second by reason", "per second", errs));
        b.append("<h2>Failures by reason</h2>").append(mapTable(runs, RunResult::failures));
        b.append("<h2>Chaos devices</h2>").append(chaosTable(runs));
        b.append("<h2>Broker metrics (scraped from /metrics)</h2>").append(brokerCharts(runs));
        b.append("<h2>Parameters</h2>").append(mapTable(runs, r -> new TreeMap<>(r.parameters())));
        return b.append("</body></html>").toString();
    }

    private static Map<String, Double> pick(RunResult.SecondPoint p, String q) {
        return q.equals("p50") ? p.p50() : p.p99();
    }

    /** A per-second quantity of the series. */
    private record Metric(String label, ToDoubleFunction<RunResult.SecondPoint> value) {
    }

    private static Metric line(String label, ToDoubleFunction<RunResult.SecondPoint> value) {
        return new Metric(label, value);
    }

    private static String chart(List<RunResult> runs, String title, String unit, List<Metric> metrics) {
        List<SvgChart.Series> lines = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            List<RunResult.SecondPoint> s = runs.get(i).series();
            for (int c = 0; c < metrics.size(); c++) {
                Metric m = metrics.get(c);
                List<double[]> pts = new ArrayList<>();
                for (RunResult.SecondPoint p : s) {
                    double v = m.value().applyAsDouble(p);
                    if (!Double.isNaN(v)) {
                        pts.add(new double[] {p.t(), v});
                    }
                }
                lines.add(series(m.label() + (runs.size() > 1 ? (i == 0 ? " (A)" : " (B)") : ""), pts, c, i == 1));
            }
        }
        return SvgChart.render(title, unit, lines);
    }

    static SvgChart.Series series(String label, List<double[]> pts, int color, boolean dashed) {
        double[] x = new double[pts.size()];
        double[] y = new double[pts.size()];
        for (int i = 0; i < pts.size(); i++) {
            x[i] = pts.get(i)[0];
            y[i] = pts.get(i)[1];
        }
        return new SvgChart.Series(label, x, y, color, dashed);
    }

    private static String brokerCharts(List<RunResult> runs) {
        return BrokerCharts.render(runs, rs -> mapTable(rs, BrokerCharts::lastSample));
    }

    private static String header(List<RunResult> runs) {
        return runs.size() == 1 ? "<tr><th></th><th>value</th></tr>" : "<tr><th></th><th>A</th><th>B</th></tr>";
    }

    private static String totalsTable(List<RunResult> runs) {
        StringBuilder b = new StringBuilder("<table>").append(header(runs));
        row(b, runs, "devices", r -> r.totals().devices());
        row(b, runs, "elapsed (s)", r -> String.format(Locale.ROOT, "%.1f", r.elapsedSeconds()));
        // the summary line's rate: devices over the whole run (hold, waits, drain) gave a second, lower "rate"
        row(b, runs, "sessions started per second", r -> String.format(Locale.ROOT, "%.0f", Verdicts.sessionStartRate(r)));
        row(b, runs, "honest sessions accepted", r -> r.totals().honestAccepted());
        row(b, runs, "honest sessions completed", r -> r.totals().honestCompleted());
        row(b, runs, "QoS 1 published / acknowledged", r -> r.totals().published() + " / " + r.totals().acked());
        row(b, runs, "delivered to the observer", r -> r.totals().delivered() < 0 ? "no observer" : r.totals().delivered());
        row(b, runs, "duplicates", r -> r.totals().duplicates());
        row(b, runs, "foreign messages (another run's)", r -> r.totals().foreignMessages());
        row(b, runs, "busy retries (CONNECTs shed by the broker, ridden out)", r -> r.totals().busyRetries());
        row(b, runs, "chaos refused as expected", r -> r.totals().chaosRefused() + " / " + r.totals().chaosDevices());
        row(b, runs, "token renewals", r -> r.totals().renewals());
        row(b, runs, "live sessions revoked", r -> r.totals().revokedLive());
        row(b, runs, "CoAP commands sent / received", r -> r.totals().commandsSent() + " / " + r.totals().commandsReceived());
        row(b, runs, "sessions dropped by a broker restart / back", r -> r.totals().restartDropped() + " / " + r.totals().restartBack());
        row(b, runs, "peak open sessions", r -> r.totals().peakActive());
        return b.append("</table>").toString();
    }

    private static String stagesTable(List<RunResult> runs) {
        StringBuilder b = new StringBuilder("<table><tr><th>stage</th>");
        for (int i = 0; i < runs.size(); i++) {
            String tag = runs.size() > 1 ? (i == 0 ? " A" : " B") : "";
            b.append("<th>count").append(tag).append("</th><th>p50").append(tag).append("</th><th>p99").append(tag)
                    .append("</th><th>p99.9").append(tag).append("</th><th>max").append(tag).append("</th>");
        }
        b.append("</tr>");
        Set<String> stages = new LinkedHashSet<>();
        runs.forEach(r -> stages.addAll(r.stages().keySet()));
        for (String s : stages) {
            b.append("<tr><td>").append(Html.escape(s)).append("</td>");
            for (RunResult r : runs) {
                RunResult.StageStats st = r.stages().get(s);
                if (st == null) {
                    b.append("<td></td>".repeat(5));
                } else {
                    b.append(String.format(Locale.ROOT, "<td>%d</td><td>%.2f</td><td>%.2f</td><td>%.2f</td><td>%.2f</td>",
                            st.count(), st.p50(), st.p99(), st.p999(), st.max()));
                }
            }
            b.append("</tr>");
        }
        return b.append("</table>").toString();
    }

    private static String chaosTable(List<RunResult> runs) {
        Set<String> kinds = new LinkedHashSet<>();
        runs.forEach(r -> kinds.addAll(r.chaos().keySet()));
        if (kinds.isEmpty()) {
            return "<p class=\"empty\">no chaos devices in this run</p>";
        }
        StringBuilder b = new StringBuilder("<table>").append(header(runs));
        for (String k : kinds) {
            row(b, runs, k, r -> {
                RunResult.ChaosTally t = r.chaos().get(k);
                return t == null ? "" : t.refusedAsExpected() + " / " + t.started() + " refused with " + t.expected()
                        + (t.otherOutcomes().isEmpty() ? "" : "; otherwise " + t.otherOutcomes());
            });
        }
        return b.append("</table>").toString();
    }

    private static String mapTable(List<RunResult> runs, Function<RunResult, Map<String, ?>> map) {
        Set<String> keys = new LinkedHashSet<>();
        runs.forEach(r -> keys.addAll(map.apply(r).keySet()));
        if (keys.isEmpty()) {
            return "<p>none</p>";
        }
        StringBuilder b = new StringBuilder("<table>").append(header(runs));
        for (String k : keys) {
            row(b, runs, k, r -> {
                Object v = map.apply(r).get(k);
                return v == null ? "" : v;
            });
        }
        return b.append("</table>").toString();
    }

    private static void row(StringBuilder b, List<RunResult> runs, String label, Function<RunResult, Object> value) {
        b.append("<tr><td>").append(Html.escape(label)).append("</td>");
        for (RunResult r : runs) {
            b.append("<td>").append(Html.escape(value.apply(r))).append("</td>");
        }
        b.append("</tr>");
    }
}
