package io.edgeauth.simulator.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VerdictsTest {

    private static RunResult.SecondPoint second(long t, long started) {
        return new RunResult.SecondPoint(t, started, started, 0, 0, 0, 0, Map.of(), Map.of(), Map.of());
    }

    @Test
    void sessionsPerSecondIsTheStartRateNotDevicesOverTheWholeRun() {
        RunResult.StageStats none = Histograms.stats(Histograms.empty());
        Map<String, RunResult.StageStats> stages = Map.of(Stage.TOKEN.key(), none, Stage.CONNECT.key(), none,
                Stage.PUBLISH.key(), none, Stage.DELIVERY.key(), none);
        RunResult.Totals t = new RunResult.Totals(200, 200, 200, 200, 0, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        // 200 sessions started in the first two seconds, then held 28 s (a revocation or expiry wait)
        RunResult r = Verdicts.withVerdict(new RunResult(RunResult.FORMAT, Map.of(), List.of("0/1"), "2026-01-01T00:00:00Z", 30.0,
                t, Map.of(), Map.of(), stages, List.of(second(1, 100), second(2, 100), second(3, 0), second(30, 0)), List.of(), null), 200);
        assertThat(Verdicts.summaryLine(r)).contains(" sessions/s=100 ");
    }

    @Test
    void stagesWithoutASampleReadNotApplicableNotZero() {
        RunResult.StageStats none = Histograms.stats(Histograms.empty());
        Map<String, RunResult.StageStats> stages = Map.of(Stage.TOKEN.key(), none, Stage.CONNECT.key(), none,
                Stage.PUBLISH.key(), none, Stage.DELIVERY.key(), none);
        RunResult.Totals t = new RunResult.Totals(2, 2, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        RunResult r = Verdicts.withVerdict(new RunResult(RunResult.FORMAT, Map.of(), List.of("0/1"), "2026-01-01T00:00:00Z", 3.0,
                t, Map.of(), Map.of(), stages, List.of(second(1, 2)), List.of(), null), 2);
        // "delivery=0.0ms" without an observer read as instant delivery (tour AB, AB16)
        assertThat(Verdicts.summaryLine(r)).contains("p99 token=n/a connect=n/a publish=n/a delivery=n/a ");
    }

    @Test
    void theReportShowsTheSummarysSessionStartRate() {
        RunResult.StageStats none = Histograms.stats(Histograms.empty());
        Map<String, RunResult.StageStats> stages = Map.of(Stage.TOKEN.key(), none, Stage.CONNECT.key(), none,
                Stage.PUBLISH.key(), none, Stage.DELIVERY.key(), none);
        RunResult.Totals t = new RunResult.Totals(200, 200, 200, 200, 0, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        RunResult r = Verdicts.withVerdict(new RunResult(RunResult.FORMAT, Map.of(), List.of("0/1"), "2026-01-01T00:00:00Z", 30.0,
                t, Map.of(), Map.of(), stages, List.of(second(1, 100), second(2, 100), second(30, 0)), List.of(), null), 200);
        // the page divided devices by the whole run (7/s here) beside the summary's 100/s (tour AB, AB19)
        assertThat(HtmlReport.render(List.of(r), List.of("r"))).contains("sessions started per second").contains("<td>100</td>")
                .doesNotContain("devices per second");
    }
}
