package io.edgeauth.broker.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TopicFiltersTest {

    @ParameterizedTest
    @CsvSource({
        "d/+/up/#, d/x/up/t, true",
        "d/+/up/#, d/x/up, true",
        "d/+/up/#, d/x/down/t, false",
        "d/x/up/#, d/x/up/a/b/c, true",
        "d/x/up, d/x/up, true",
        "d/x/up, d/x/up/t, false",
        "d/x/up/t, d/x/up, false",
        "#, d/x, true",
        "#, $SYS/x, false",
        "+/x, $SYS/x, false",
        "d/+, d/, true",
        "d/+/up, d//up, true",
        "d/xy/up, d/x/up, false",
        "d/x/up, d/xy/up, false",
    })
    void matches(String filter, String topic, boolean expected) {
        assertThat(TopicFilters.matches(filter, topic)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({
        "d/x/down/#, d/x/down/#, true",
        "d/x/down/#, d/x/down/cmd, true",
        "d/x/down/#, d/x/down, true",
        "d/x/down/#, d/+/down/#, false",
        "d/x/down/#, #, false",
        "d/+/up/#, d/x/up/+, true",
        "d/x/up/+, d/x/up/#, false",
        "d/x/up/+, d/x/up/t, true",
        "d/x/up/+, d/x/up/t/u, false",
    })
    void covers(String granted, String requested, boolean expected) {
        assertThat(TopicFilters.covers(granted, requested)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"a/#/b", "a/b#", "a+/b", "''"})
    void rejectsBadFilters(String filter) {
        assertThat(TopicFilters.filterError(filter)).isNotNull();
    }
}
