package io.edgeauth.simulator.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResultMergerTest {

    private static RunResult shard(String shard, long devices) {
        return shard(shard, devices, Map.of("devices", 300));
    }

    private static RunResult shard(String shard, long devices, Map<String, Object> parameters) {
        RunResult.Totals t = new RunResult.Totals(devices, devices, devices, devices, 0, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        RunResult r = new RunResult(RunResult.FORMAT, parameters, List.of(shard), "2026-01-01T00:00:00Z", 3.0, t,
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

    @Test
    void shardsOfDifferentFleetsAreRefusedNamingTheDifference() {
        RunResult a = shard("0/3", 1000, Map.of("devices", 3000, "devicePrefix", "shd", "observer", "urn:x"));
        RunResult foreign = shard("1/3", 10, Map.of("devices", 30, "devicePrefix", "other", "observer", "none"));
        RunResult c = shard("2/3", 1000, Map.of("devices", 3000, "devicePrefix", "shd", "observer", "urn:x"));
        assertThatThrownBy(() -> ResultMerger.merge(List.of(a, foreign, c)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not shards of one fleet")
                .hasMessageContaining("devices 3000 (shard 0/3) vs 30 (shard 1/3)")
                .hasMessageContaining("devicePrefix shd (shard 0/3) vs other (shard 1/3)")
                .hasMessageContaining("observer");
    }

    @Test
    void aMergeThatRanFewerDevicesThanItsFleetFails() {
        RunResult m = ResultMerger.merge(List.of(shard("0/2", 150), shard("1/2", 100)));
        assertThat(m.verdict().ok()).isFalse();
        assertThat(m.verdict().problems()).contains("devices run 250 of 300");
    }
}
