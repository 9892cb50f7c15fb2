package io.edgeauth.broker.provisioning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Line splitting across chunk boundaries, oversized lines, CRLF, blank lines, a last line without newline. */
class NdjsonLinesTest {
    @Test
    void splitsAnyChunkingTheSameWay() {
        String input = "{\"a\":1}\r\n\n{\"b\":\"" + "x".repeat(40) + "\"}\n" + "y".repeat(100) + "\n{\"c\":3}\n{\"é\":4}";
        List<String> whole = split(input, input.length() + 10);
        assertThat(whole).containsExactly("1:{\"a\":1}", "3:{\"b\":\"" + "x".repeat(40) + "\"}", "4:<oversized>",
                "5:{\"c\":3}", "6:{\"é\":4}");
        for (int chunk = 1; chunk < 20; chunk++) {
            assertThat(split(input, chunk)).as("chunks of " + chunk).isEqualTo(whole);
        }
    }

    @Test
    void anOversizedLastLineWithoutNewlineIsReported() {
        assertThat(split("{}\n" + "z".repeat(1000), 7)).containsExactly("1:{}", "2:<oversized>");
        assertThat(split("", 3)).isEmpty();
        // tour AD, AD1: a character split across chunks is whole; a byte that is no UTF-8 makes the line unreadable
        assertThat(split("{\"a\":\"\u00e9\u20ac\"}\n", 1)).containsExactly("1:{\"a\":\"\u00e9\u20ac\"}");
        assertThatThrownBy(() -> new NdjsonLines(0, (n, t, why) -> { })).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aLineThatIsNotUtf8IsReportedSoAndTheNextIsRead() {
        List<String> out = new ArrayList<>();
        NdjsonLines lines = new NdjsonLines(64, (n, text, why) -> out.add(n + ":" + (text == null ? why : text)));
        byte[] input = {'{', '"', (byte) 0xC3, '"', '}', '\n', '{', '}', '\n'}; // 0xC3 starts a character, '"' is no continuation
        lines.feed(input, 0, input.length);
        lines.finish();
        assertThat(out).containsExactly("1:" + NdjsonLines.NOT_UTF8, "2:{}");
    }

    private static List<String> split(String input, int chunk) {
        List<String> out = new ArrayList<>();
        NdjsonLines lines = new NdjsonLines(64, (n, text, why) -> out.add(n + ":" + (text == null ? (NdjsonLines.TOO_LONG.equals(why) ? "<oversized>" : why) : text)));
        byte[] bytes = input.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i += chunk) {
            lines.feed(bytes, i, Math.min(chunk, bytes.length - i));
        }
        lines.finish();
        return out;
    }
}
