package io.edgeauth.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A broker that stops answering a bulk import ends the import after the idle timeout, with a message (tour AB, AB11). */
class ImportTimeoutTest {
    @TempDir
    Path dir;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

    private int exec(String... args) {
        return SimulatorCli.commandLine(new PrintStream(buffer, true, StandardCharsets.UTF_8)).execute(args);
    }

    @Test
    void anImportWhoseAnswerStallsEndsAfterTheIdleTimeout() throws Exception {
        for (boolean readNothing : new boolean[] {false, true}) {
            buffer.reset();
            try (StallingBulkBroker stalling = new StallingBulkBroker(readNothing)) {
                long t0 = System.nanoTime();
                int code = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> exec("import", "--broker-url", stalling.url(),
                        "--admin-credential", "x", "--devices", "20", "--import-idle-timeout", "2s"));
                double seconds = (System.nanoTime() - t0) / 1e9;
                String text = buffer.toString(StandardCharsets.UTF_8);
                assertThat(code).as(text).isEqualTo(SimulatorCli.USAGE);
                assertThat(text).contains("no progress for 2 s").contains("--import-idle-timeout");
                assertThat(seconds).as(text).isBetween(1.5, 15.0);
            }
        }
    }

    @Test
    void bulkOnboardingOfARunEndsAfterTheIdleTimeoutToo() throws Exception {
        try (StallingBulkBroker stalling = new StallingBulkBroker(false)) {
            int code = assertTimeoutPreemptively(Duration.ofSeconds(40), () -> exec("run", "--broker-url", stalling.url(),
                    "--mqtt", "127.0.0.1:1", "--admin-credential", "x", "--onboarding", "bulk", "--devices", "5", "--no-metrics",
                    "--drain", "1s", "--import-idle-timeout", "2s", "--out", dir.toString()));
            String text = buffer.toString(StandardCharsets.UTF_8);
            assertThat(code).as(text).isNotZero();
            assertThat(text).contains("no progress for 2 s");
        }
    }
}
