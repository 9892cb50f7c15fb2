package io.edgeauth.simulator.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResultMergerTest {

    private static RunResult shard(String shard, long devices) {
        RunResult.Totals t = new RunResult.Totals(devices, devices, devices, devices, 0, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        RunResult r = new RunResult(RunResult.FORMAT, Map.of("devices", 300), List.of(shard), "2026-01-01T00:00:00Z", 3.0, t,
                Map.of(), Map.of(), Map.of(), List.of(), List.of(), null);
        return Verdicts.withVerdict(r, devices);
    }

    @Test
    void allShardsMergeToAPass() {
        RunResult m = ResultMerger.merge(List.of(shard("1/2", 150), shard("0/2", 150)));
        assertThat(m.verdict().ok()).as(m.verdict().problems().toString()).isTrue();
    }

    @Test
    void aMissingShardFailsTheVerdictByName() {
        RunResult m = ResultMerger.merge(List.of(shard("0/3", 100), shard("2/3", 100)));
        assertThat(m.verdict().ok()).isFalse();
        assertThat(m.verdict().problems()).anySatisfy(p -> assertThat(p).contains("shards missing: 1/3"));
    }

    @Test
    void shardsOfDifferentSplitsFailTheVerdict() {
        RunResult m = ResultMerger.merge(List.of(shard("0/2", 150), shard("1/3", 100)));
        assertThat(m.verdict().ok()).isFalse();
        assertThat(m.verdict().problems()).anySatisfy(p -> assertThat(p).contains("0/2").contains("1/3"));
    }
}
