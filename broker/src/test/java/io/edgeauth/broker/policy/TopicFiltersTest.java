package io.edgeauth.broker.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
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
        "a/, a/, true",
        "a/, a, false",
        "a, a/, false",
        "/, /, true",
        "+/+, /, true",
        "/#, /x, true",
        "sport/#, sport, true",
        "sport/+, sport, false",
        "+, /x, false",
        "+, x, true",
        "#, /, true",
    })
    void matches(String filter, String topic, boolean expected) {
        assertThat(TopicFilters.matches(filter, topic)).isEqualTo(expected);
    }

    /** The spec's definition, written the slow obvious way, as the reference for random pairs. */
    private static boolean reference(String filter, String topic) {
        if (topic.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) {
            return false;
        }
        String[] f = filter.split("/", -1);
        String[] t = topic.split("/", -1);
        for (int i = 0; i < f.length; i++) {
            if (f[i].equals("#")) {
                return true;
            }
            if (i >= t.length || !(f[i].equals("+") || f[i].equals(t[i]))) {
                return false;
            }
        }
        return f.length == t.length;
    }

    /**
     * MQTT 5 §1.5.4: a receiver must close a connection whose string holds U+0000, and control characters should not
     * be there; a topic with them, forwarded, made standard subscribers (mosquitto_sub) drop their connection, so one
     * device could cut its owner's and the services' subscriptions. Names and filters with them are refused.
     */
    @Test
    void namesAndFiltersWithNulOrControlCharactersAreRefused() {
        for (String bad : List.of("d/dev/up/nul\u0000x", "d/dev/up/ctl\u001b[2J", "d/dev/up/a\nb", "d/dev/up/a\rb",
                "d/dev/up/del\u007f", "d/dev/up/c1\u0085", "d/dev/up/\ud800x")) {
            assertThat(TopicFilters.topicError(bad)).as(bad).isNotNull();
            assertThat(TopicFilters.filterError(bad)).as(bad).isNotNull();
        }
        assertThat(TopicFilters.topicError("d/dev/up/temp \u00e9\u6e29\ud83c\udf21")).as("other Unicode").isNull();
        assertThat(TopicFilters.filterError("d/+/up/\u00e9")).isNull();
    }

    @Test
    void agreesWithTheSpecOnRandomTopicsAndFilters() {
        java.util.Random rnd = new java.util.Random(42);
        String[] topicLevels = {"", "a", "b", "ab", "$s"};
        String[] filterLevels = {"", "a", "b", "ab", "+", "$s"};
        for (int n = 0; n < 200_000; n++) {
            StringBuilder topic = new StringBuilder();
            int tn = 1 + rnd.nextInt(4);
            for (int i = 0; i < tn; i++) {
                topic.append(i > 0 ? "/" : "").append(topicLevels[rnd.nextInt(topicLevels.length)]);
            }
            StringBuilder filter = new StringBuilder();
            int fn = 1 + rnd.nextInt(4);
            for (int i = 0; i < fn; i++) {
                boolean last = i == fn - 1;
                String level = last && rnd.nextInt(4) == 0 ? "#" : filterLevels[rnd.nextInt(filterLevels.length)];
                filter.append(i > 0 ? "/" : "").append(level);
            }
            assertThat(TopicFilters.matches(filter.toString(), topic.toString()))
                    .as("%s vs %s", filter, topic).isEqualTo(reference(filter.toString(), topic.toString()));
        }
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
        // [MQTT-4.7.2-1]: a wildcard first level matches no $-topic, so it grants none (tour AH, AH1)
        "#, $SYS/#, false",
        "#, $x, false",
        "+/#, $SYS/broker/+, false",
        "+/up, $d/up, false",
        "$SYS/#, $SYS/broker, true",
        "a/+/#, a/$x/b, true",
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
