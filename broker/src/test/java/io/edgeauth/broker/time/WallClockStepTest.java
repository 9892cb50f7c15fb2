package io.edgeauth.broker.time;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real wall-clock step (libfaketime, changed while the process runs): a device's rate budget keeps refilling
 * at its rate when the clock steps back an hour (it used to stop refilling until the clock caught up: Bucket4j
 * measured wall-clock milliseconds) and gains at most its burst when the clock steps forward a year; the
 * broker's clock never steps back. Skipped without Debian's faketime unless EDGEAUTH_REQUIRE_INTEROP_TOOLS=true.
 */
class WallClockStepTest {
    @TempDir
    Path dir;

    @Test
    void budgetsAndTheBrokersClockSurviveWallClockSteps() throws Exception {
        String library = faketimeLibrary().orElse(null);
        if (library == null && "true".equals(System.getenv("EDGEAUTH_REQUIRE_INTEROP_TOOLS"))) {
            throw new IllegalStateException("EDGEAUTH_REQUIRE_INTEROP_TOOLS=true but faketime is not on PATH");
        }
        Assumptions.assumeTrue(library != null, "faketime not on PATH: install Debian's faketime to run this test");
        Path offset = Files.writeString(dir.resolve("offset"), "+0\n");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-Dlogback.statusListenerClass=ch.qos.logback.core.status.NopStatusListener",
                "-cp", System.getProperty("java.class.path"), ClockStepChild.class.getName())
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("LD_PRELOAD", library);
        pb.environment().put("FAKETIME_TIMESTAMP_FILE", offset.toString());
        pb.environment().put("FAKETIME_CACHE_DURATION", "1"); // the child waits until it sees each step
        pb.environment().put("FAKETIME_DONT_FAKE_MONOTONIC", "1"); // NTP and operators step the wall clock only
        Process child = pb.start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
             Writer in = new OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8)) {
            assertThat(next(out)).isEqualTo("STEP back");
            step(offset, "-1h", in);
            String back = next(out);
            assertThat(number(back, "wallDeltaMs")).as(back).isLessThan(-3_000_000L); // the step took effect
            assertThat(back).as("budget refills on the monotonic clock").contains("refilled=true");
            // the child sleeps 600 ms after it saw the step: the broker's clock kept going forward across it
            // (the libfaketime cache may make the wait for the step itself anything from 0 to 1 s)
            assertThat(number(back, "steadyDeltaMs")).as(back).isBetween(600L, 120_000L);
            assertThat(next(out)).isEqualTo("STEP forward");
            step(offset, "+365d", in);
            String forward = next(out);
            // the burst (2) plus what 10 msg/s refill during the loop itself, not a year's worth
            assertThat(number(forward, "allowed")).as(forward)
                    .isLessThanOrEqualTo(3L + number(forward, "loopMs") / 100);
            assertThat(number(forward, "steadyAheadOfWallMs")).as("the forward step used up the offset").isZero();
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** The child's next protocol line (anything else it prints, such as a library's notice, is skipped). */
    private static String next(BufferedReader out) throws IOException {
        for (String line; (line = out.readLine()) != null; ) {
            if (line.startsWith("STEP ") || line.startsWith("AFTER_")) {
                return line;
            }
        }
        return null;
    }

    private static void step(Path offset, String spec, Writer in) throws IOException {
        Files.writeString(offset, spec + "\n");
        in.write("go\n");
        in.flush();
    }

    private static long number(String line, String key) {
        Matcher m = Pattern.compile(key + "=(-?\\d+)").matcher(line == null ? "" : line);
        if (!m.find()) {
            throw new AssertionError("no " + key + " in: " + line);
        }
        return Long.parseLong(m.group(1));
    }

    /**
     * The faketime wrapper's LD_PRELOAD value (e.g. {@code /usr/$LIB/faketime/libfaketime.so.1}, which the dynamic
     * loader expands): used directly so that the offset file, not the wrapper's fixed offset, decides the time.
     */
    private static Optional<String> faketimeLibrary() throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(List.of("faketime", "-f", "+0", "sh", "-c", "echo $LD_PRELOAD"))
                    .redirectErrorStream(true).start();
        } catch (IOException notInstalled) {
            return Optional.empty();
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0 || out.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(out);
    }
}
