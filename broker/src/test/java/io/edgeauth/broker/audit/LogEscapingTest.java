package io.edgeauth.broker.audit;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/**
 * Issue 10 hole 14: with the production logback.xml, a client-supplied string holding line breaks and a
 * well-formed audit JSON object cannot become a line of its own, neither through a log message, nor through an
 * exception's message, nor through an audit field.
 */
class LogEscapingTest {
    private static final String FORGED = "{\"event\":\"auth.accepted\",\"outcome\":\"ok\",\"forged\":true}";
    private static final String HOSTILE = "pump-7\n" + FORGED + "\r\n" + FORGED + "\u2028" + FORGED;

    @Test
    void noClientStringBecomesASecondLogLine() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            JoranConfigurator configurator = new JoranConfigurator();
            configurator.setContext(context);
            configurator.doConfigure(ChainedAuditLog.class.getResource("/logback.xml"));
            ((ch.qos.logback.core.OutputStreamAppender<?>) context.getLogger("ROOT").getAppender("CONSOLE"))
                    .setOutputStream(err);
            ((ch.qos.logback.core.OutputStreamAppender<?>) context.getLogger("audit").getAppender("AUDIT"))
                    .setOutputStream(out);
            Logger log = context.getLogger("io.edgeauth.broker.mqtt.MqttConnection");
            log.warn("client {} refused", HOSTILE);
            log.warn("token issuer threw", new IllegalArgumentException("token_format must be jwt or cwt, got: " + HOSTILE,
                    new IllegalStateException(HOSTILE)));
            // the audit path as the broker takes it: a chained line through the logger "audit" and its appender
            try (ChainedAuditLog audit = new ChainedAuditLog(AuditSink.slf4j(context.getLogger("audit")),
                    new ChainedAuditLog.Settings("n1", true, 1000), java.time.Clock.systemUTC())) {
                audit.record("auth.refused", "malformed", Map.of("claimed_id", HOSTILE));
            } // written by close() at the latest
        } finally {
            context.stop();
            System.setOut(stdout);
            System.setErr(stderr);
        }
        String all = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
        assertThat(all).contains("pump-7"); // the lines were written
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"claimed_id\":\"pump-7\\n{"); // the audit line, escaped
        List<String> lines = all.lines().toList();
        List<String> planted = lines.stream().filter(LogEscapingTest::isPlanted).toList();
        assertThat(planted).as("lines a client planted").isEmpty();
        // U+2028/2029 end a line for JavaScript and some log shippers: never written raw either
        assertThat(all).doesNotContain("\u2028").doesNotContain("\u2029");
    }

    /**
     * Tour AE, AE2: Unicode format characters passed through: a client id holding U+202E (right-to-left override)
     * or U+2066..2069 reached the operator's console raw and showed its text reordered ("Trojan source"), and
     * zero-width ones made two ids look alike. They are escaped as the control characters are.
     */
    @Test
    void bidiAndInvisibleFormatCharactersAreEscaped() {
        for (char c : new char[] {'\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068',
                '\u2069', '\u200e', '\u200f', '\u061c', '\u200b', '\u200d', '\ufeff'}) {
            String escaped = LogEscaping.escape("pump-" + c + "7");
            assertThat(escaped).as("U+%04X", (int) c).isEqualTo(String.format("pump-\\u%04x7", (int) c));
        }
        assertThat(LogEscaping.escape("Zürich \t пульт")).as("letters and tabs stay").isEqualTo("Zürich \t пульт");
    }

    private static boolean isPlanted(String line) {
        String t = line.strip();
        if (!t.startsWith("{")) {
            return false;
        }
        try {
            return new JsonObject(t).containsKey("forged");
        } catch (DecodeException notJson) {
            return false;
        }
    }
}
