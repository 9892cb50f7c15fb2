package io.edgeauth.simulator.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ShardTest {
    @Test
    void shardsCoverAFleetExactlyOnce() {
        for (long devices : new long[] {0, 1, 7, 100, 999_983, 1_000_000}) {
            for (int n : new int[] {1, 2, 3, 7, 16, 1000}) {
                long expectedStart = 0;
                long min = Long.MAX_VALUE;
                long max = 0;
                for (int i = 0; i < n; i++) {
                    Shard s = new Shard(i, n);
                    assertThat(s.start(devices)).as("%d devices, shard %s", devices, s).isEqualTo(expectedStart);
                    expectedStart = s.end(devices);
                    min = Math.min(min, s.size(devices));
                    max = Math.max(max, s.size(devices));
                }
                assertThat(expectedStart).isEqualTo(devices);
                assertThat(max - min).isLessThanOrEqualTo(1);
            }
        }
    }

    @Test
    void parsesAndRefusesBadSpecs() {
        assertThat(Shard.parse("2/5")).isEqualTo(new Shard(2, 5));
        assertThat(Shard.parse(" 0/1 ")).isEqualTo(Shard.ALL);
        for (String bad : new String[] {"", "5/5", "1", "-1/2", "a/b", "1/0", "1/2/3", "9999999/99999999", null}) {
            assertThatThrownBy(() -> Shard.parse(bad)).as(String.valueOf(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void largeFleetsDoNotOverflow() {
        Shard last = new Shard(999_999, 1_000_000);
        assertThat(last.end(Long.MAX_VALUE / 1_000_000)).isEqualTo(Long.MAX_VALUE / 1_000_000);
    }
}
