package io.edgeauth.simulator.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class BrokerChartsTest {

    private static RunResult.BrokerSample sample(double t, double k) {
        Map<String, Double> v = new TreeMap<>();
        // series that sort before the ones a person compares a run with, and change during it
        for (String s : List.of("edgeauth_admission_in_flight", "edgeauth_audit_batches_total", "edgeauth_audit_lines_total",
                "edgeauth_audit_queue", "edgeauth_auth_attempts_total", "edgeauth_http_connections", "edgeauth_http_pending",
                "edgeauth_http_requests_total", "edgeauth_auth_latency_seconds_bucket")) {
            v.put(s, 10 * k);
        }
        v.put("edgeauth_auth_latency_seconds_count", 100 * k);
        v.put("edgeauth_auth_latency_seconds_sum", 0.5 * k); // 5 ms each
        v.put("edgeauth_mqtt_connects_total", 100 * k);
        v.put("edgeauth_mqtt_messages_in_total", 300 * k);
        v.put("edgeauth_tokens_issued_total", 100 * k);
        v.put("edgeauth_tokens_refused_total", k);
        return new RunResult.BrokerSample(t, v);
    }

    private static RunResult run() {
        RunResult.Totals t = new RunResult.Totals(1, 1, 1, 1, 0, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        return Verdicts.withVerdict(new RunResult(RunResult.FORMAT, Map.of(), List.of("0/1"), "2026-01-01T00:00:00Z", 3, t,
                Map.of(), Map.of(), Map.of(), List.of(), List.of(sample(0, 0), sample(1, 1), sample(2, 2)), null), 1);
    }

    @Test
    void theSeriesAPersonComparesComeFirstAndBucketsAreNeverCharted() {
        List<String> chosen = BrokerCharts.chosen(List.of(run()));
        assertThat(chosen).startsWith("edgeauth_mqtt_connects_total", "edgeauth_mqtt_messages_in_total",
                "edgeauth_tokens_issued_total", "edgeauth_tokens_refused_total", "edgeauth_auth_latency mean (ms)");
        assertThat(chosen).hasSizeLessThanOrEqualTo(BrokerCharts.MAX_CHARTS)
                .noneMatch(n -> n.endsWith("_bucket") || n.endsWith("_sum") || n.endsWith("_count"));
    }

    @Test
    void latencyIsTheMeanBetweenSamples() {
        List<double[]> pts = BrokerCharts.MeanLatency.AUTH.points(run().broker());
        assertThat(pts).hasSize(2);
        assertThat(pts.get(0)[1]).isEqualTo(5.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(BrokerCharts.lastSample(run())).doesNotContainKey("edgeauth_auth_latency_seconds_bucket");
    }

    @Test
    void theReportChartsConnectsAndNoBucketSum() {
        String html = HtmlReport.render(List.of(run()), List.of("run"));
        assertThat(html).contains("<figcaption>edgeauth_mqtt_connects_total</figcaption>")
                .doesNotContain("<figcaption>edgeauth_auth_latency_seconds_bucket</figcaption>")
                .doesNotContain(">edgeauth_auth_latency_seconds_bucket<");
    }
}
