package io.edgeauth.simulator.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsScraperTest {
    @Test
    void keepsTheChartedNamesAndSumsTheirLabels() {
        Map<String, Double> m = MetricsScraper.parse("""
                # HELP edgeauth_mqtt_sessions open sessions
                edgeauth_mqtt_sessions{tenant="default",protocol="mqtt5"} 12.0
                edgeauth_mqtt_sessions{tenant="other",protocol="mqtt3"} 3.0
                process_cpu_usage 0.5
                http_server_requests_seconds_count{uri="/x"} 7
                """);
        assertThat(m).containsExactlyInAnyOrderEntriesOf(Map.of("edgeauth_mqtt_sessions", 15.0, "process_cpu_usage", 0.5));
    }

    @Test
    void hostileLinesAreSkipped() {
        Map<String, Double> m = MetricsScraper.parse("edgeauth_x NaN\nedgeauth_y notanumber\nedgeauth_z\n{}\n \nedgeauth_w{a=\"} 1\"} 2\n"
                + "edgeauth_v +Inf\n" + "edgeauth_<script> 1\n");
        assertThat(m).containsOnlyKeys("edgeauth_w").containsEntry("edgeauth_w", 2.0);
    }

    @Test
    void dropsAndRefusalsAreAlsoKeptByReason() {
        Map<String, Double> m = MetricsScraper.parse("edgeauth_mqtt_drops_total{reason=\"queue_full\"} 5\n"
                + "edgeauth_mqtt_drops_total{reason=\"expired\"} 2\n" + "edgeauth_mqtt_drops_total{reason=\"" + "x".repeat(300) + "\"} 1\n");
        assertThat(m).containsEntry("edgeauth_mqtt_drops_total", 8.0)
                .containsEntry("edgeauth_mqtt_drops_total{reason=\"queue_full\"}", 5.0)
                .containsEntry("edgeauth_mqtt_drops_total{reason=\"expired\"}", 2.0).hasSize(3);
    }
}
